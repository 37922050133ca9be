//! A real smart-HTTP git remote for the tests: `git http-backend` run as a
//! CGI program by a small HTTP/1.1 server on 127.0.0.1, with basic
//! authentication. The test that starts it stops it (on drop at the
//! latest), and it stops by itself after [`LIFETIME`], so a test that hangs
//! cannot leave it behind.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a server lives at most.
pub const LIFETIME: Duration = Duration::from_secs(300);

/// The CGI program git ships for smart HTTP.
const BACKEND: &str = "/usr/lib/git-core/git-http-backend";

struct Shared {
    /// The folder whose repositories are served (`GIT_PROJECT_ROOT`).
    root: PathBuf,
    /// The sealed `HOME` the backend runs with.
    home: PathBuf,
    user: String,
    password: String,
    stop: AtomicBool,
    /// Die in the middle of the next push: take half of its pack, kill the
    /// backend, drop the connection and stop serving.
    die_in_push: AtomicBool,
    /// Requests answered 401.
    refused: AtomicUsize,
}

/// A running server; stopped on drop.
pub struct GitHttp {
    port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl GitHttp {
    /// Serve the repositories under `root` to `user`:`password`.
    pub fn start(root: &Path, home: &Path, user: &str, password: &str) -> GitHttp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind on the loopback");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            home: home.to_path_buf(),
            user: user.to_string(),
            password: password.to_string(),
            stop: AtomicBool::new(false),
            die_in_push: AtomicBool::new(false),
            refused: AtomicUsize::new(0),
        });
        let state = Arc::clone(&shared);
        let accept = std::thread::spawn(move || {
            let deadline = Instant::now() + LIFETIME;
            let mut workers = Vec::new();
            while !state.stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let state = Arc::clone(&state);
                        workers.push(std::thread::spawn(move || serve(conn, &state)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            // The listener closes here: connections are refused from now on.
            drop(listener);
            for w in workers {
                let _ = w.join();
            }
        });
        GitHttp {
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT/REPO`, without credentials.
    pub fn url(&self, repo: &str) -> String {
        format!("http://127.0.0.1:{}/{repo}", self.port)
    }

    /// The URL with `user:password@` in it.
    pub fn url_with(&self, user: &str, password: &str, repo: &str) -> String {
        format!("http://{user}:{password}@127.0.0.1:{}/{repo}", self.port)
    }

    /// Make the server die in the middle of the next push it receives.
    pub fn die_in_next_push(&self) {
        self.shared.die_in_push.store(true, Ordering::SeqCst);
    }

    /// How many requests were refused for lack of the right credentials.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    /// Whether the server stopped (by [`GitHttp::die_in_next_push`]).
    pub fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }
}

impl Drop for GitHttp {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Base64 (RFC 4648, padded), for the `Authorization` header.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One request, parsed.
struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_head(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    Some(Request {
        method,
        path,
        query,
        headers,
    })
}

/// The request body: `Content-Length` bytes, or a chunked body decoded.
fn read_body(reader: &mut BufReader<TcpStream>, req: &Request) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    if req
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = req.header("content-length") {
        body.resize(len.parse().ok()?, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(body)
}

fn serve(conn: TcpStream, state: &Shared) {
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    conn.set_write_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    let Some(req) = read_head(&mut reader) else {
        return;
    };
    let expected = format!(
        "Basic {}",
        base64(format!("{}:{}", state.user, state.password).as_bytes())
    );
    if req.header("authorization") != Some(expected.as_str()) {
        state.refused.fetch_add(1, Ordering::SeqCst);
        let _ = out.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    if req
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        let _ = out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let Some(body) = read_body(&mut reader, &req) else {
        return;
    };
    let pushing = req.method == "POST" && req.path.ends_with("/git-receive-pack");
    let die = pushing && state.die_in_push.swap(false, Ordering::SeqCst);
    let mut cgi = Command::new(BACKEND);
    cgi.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &state.home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", &state.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REMOTE_USER", &state.user)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("REQUEST_METHOD", &req.method)
        .env("PATH_INFO", &req.path)
        .env("QUERY_STRING", &req.query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (header, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(v) = req.header(header) {
            cgi.env(var, v);
        }
    }
    let mut child = cgi.spawn().expect("git http-backend starts");
    let mut stdin = child.stdin.take().unwrap();
    if die {
        // Half the pack, then the server goes away: the backend is killed
        // and the connection dropped without an answer.
        let _ = stdin.write_all(&body[..body.len() / 2]);
        let _ = child.kill();
        let _ = child.wait();
        state.stop.store(true, Ordering::SeqCst);
        return;
    }
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let output = child.wait_with_output().expect("git http-backend runs");
    let _ = writer.join();
    let text = output.stdout;
    let split = text
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            text.windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        });
    let Some((head_end, body_start)) = split else {
        let _ = out.write_all(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    };
    let mut status = "200 OK".to_string();
    let mut headers = String::new();
    for line in String::from_utf8_lossy(&text[..head_end]).lines() {
        match line.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
            Some(_) => {
                headers.push_str(line.trim_end());
                headers.push_str("\r\n");
            }
            None => {}
        }
    }
    let response_body = &text[body_start..];
    let head = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        response_body.len()
    );
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(response_body);
}

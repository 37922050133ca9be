//! `kiln lsp` driven through a scripted session over stdio, with
//! Content-Length framing, as an editor would. Every wait has a timeout,
//! so a server that stops answering fails the test instead of hanging it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(60);

/// A running `kiln lsp` and the messages it sent.
struct Session {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
}

impl Session {
    fn start(dir: &Path) -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kiln lsp starts");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        len = v.trim().parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("a Content-Length header")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let msg: Value = serde_json::from_slice(&body).expect("a JSON body");
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        Session {
            child,
            stdin,
            rx,
            next_id: 1,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response's `result`.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let resp = self.wait(|m| m["id"] == json!(id) && m.get("method").is_none());
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].clone()
    }

    /// The next message matching `pred`, skipping others.
    fn wait(&self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = self
                .rx
                .recv_timeout(left)
                .expect("kiln lsp answered in time");
            if pred(&msg) {
                return msg;
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&self, uri: &str) -> Vec<Value> {
        let msg = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

// Lint has tests of its own: here only `latest-tag` is on, so that a clean
// buffer publishes an empty list and a lint finding shows as a warning.
const KILN: &str = "project \"shop\"\n\nflavor \"small\" {\n    replicas 1\n}\n\nenv \"staging\" {\n    flavor \"small\"\n    lint \"*\" \"allow\"\n    lint \"latest-tag\" \"warn\"\n}\n";

const APP_BROKEN: &str = "app \"web\" {\n    image \"nginx:1.27\"\n    replicas \"two\"\n}\n";

const APP_FIXED: &str = "app \"web\" {\n    image \"nginx:1.27\"\n    replicas 2\n}\n";

#[test]
fn scripted_session() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    std::fs::write(root.join("kiln.kdl"), KILN).expect("write kiln.kdl");
    std::fs::write(root.join("apps.kdl"), APP_FIXED).expect("write apps.kdl");
    let apps = uri(&root.join("apps.kdl"));
    let kiln = uri(&root.join("kiln.kdl"));

    let mut s = Session::start(&root);
    let init = s.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    assert!(
        init["capabilities"]["hoverProvider"]
            .as_bool()
            .unwrap_or(false)
    );
    s.notify("initialized", json!({}));

    // An error in the open buffer, not on disk: the overlay serves it.
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": apps, "languageId": "kdl", "version": 1, "text": APP_BROKEN}}),
    );
    let diags = s.diagnostics(&apps);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "kiln::check::type_mismatch");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["range"]["start"], json!({"line": 2, "character": 13}));
    assert_eq!(d["range"]["end"], json!({"line": 2, "character": 18}));

    // Fixed: an empty list clears it.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": apps, "version": 2}, "contentChanges": [{"text": APP_FIXED}]}),
    );
    assert!(s.diagnostics(&apps).is_empty());

    // A lint finding is a warning at the value that decides it.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": apps, "version": 20}, "contentChanges": [{"text": APP_FIXED.replace("nginx:1.27", "nginx")}]}),
    );
    let diags = s.diagnostics(&apps);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "kiln::lint::latest-tag");
    assert_eq!(diags[0]["severity"], 2);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 1, "character": 10})
    );
    assert!(
        diags[0]["message"].as_str().is_some_and(
            |m| m.contains("note: rendered as `spec.template.spec.containers[0].image`")
        ),
        "{diags:?}"
    );
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": apps, "version": 21}, "contentChanges": [{"text": APP_FIXED}]}),
    );
    assert!(s.diagnostics(&apps).is_empty());

    // Hover on a parameter name shows its doc.
    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": apps}, "position": {"line": 2, "character": 6}}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("the number of pods"), "{hover}");

    // Completion inside the app block offers the component's parameters.
    let completion = s.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": apps}, "position": {"line": 3, "character": 0}}),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .expect("a list of items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"replicas"), "{labels:?}");
    assert!(labels.contains(&"image"), "{labels:?}");

    // Go to the definition of the flavor an env applies.
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": kiln, "languageId": "kdl", "version": 1, "text": KILN}}),
    );
    let line = KILN
        .lines()
        .position(|l| l.contains("flavor \"small\"") && l.starts_with("    "))
        .expect("a flavor line");
    let def = s.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": kiln}, "position": {"line": line, "character": 13}}),
    );
    assert_eq!(def["uri"], kiln, "{def}");
    assert_eq!(def["range"]["start"], json!({"line": 2, "character": 7}));
    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": kiln}, "position": {"line": line, "character": 13}}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("`replicas`"), "{hover}");

    // A duplicate across files: related information points at the other
    // definition, and fixing it clears the file that had the error.
    let dup = format!("{APP_FIXED}flavor \"small\" {{\n    replicas 2\n}}\n");
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": apps, "version": 3}, "contentChanges": [{"text": dup}]}),
    );
    let msg = s.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "kiln::check::duplicate"))
    });
    let file = msg["params"]["uri"].as_str().expect("a uri").to_string();
    let d = &msg["params"]["diagnostics"][0];
    let related = &d["relatedInformation"][0]["location"];
    let other = if file == apps { &kiln } else { &apps };
    assert_eq!(related["uri"], *other, "{d}");
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": apps, "version": 4}, "contentChanges": [{"text": APP_FIXED}]}),
    );
    assert!(s.diagnostics(&file).is_empty());

    // A broken document still answers.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": apps, "version": 5}, "contentChanges": [{"text": "app \"web\" {\n    rep"}]}),
    );
    assert!(!s.diagnostics(&apps).is_empty());
    let completion = s.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": apps}, "position": {"line": 1, "character": 7}}),
    );
    assert!(completion.as_array().is_some_and(|a| !a.is_empty()));
    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": apps}, "position": {"line": 99, "character": 99}}),
    );
    assert!(hover.is_null());

    // Property names and enum values.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": apps, "version": 6}, "contentChanges": [{"text": "app \"web\" {\n    strategy \n    port 80 \n}\n"}]}),
    );
    let labels = |v: Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["label"].as_str().map(String::from))
            .collect()
    };
    let enum_values = labels(s.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": apps}, "position": {"line": 1, "character": 13}}),
    ));
    assert!(
        enum_values.contains(&"rolling".to_string()),
        "{enum_values:?}"
    );
    let props = labels(s.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": apps}, "position": {"line": 2, "character": 12}}),
    ));
    assert!(props.contains(&"name".to_string()), "{props:?}");

    s.request("shutdown", Value::Null);
    s.notify("exit", Value::Null);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = s.child.try_wait().expect("wait") {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "kiln lsp did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

const SECRETS: &str = "project \"shop\"\n\nenv \"staging\"\n\napp \"web\" {\n    image \"nginx:1.27\"\n    secret \"web-db\" external=\"vault\" {\n        key \"url\" remote=\"staging/web/db\"\n    }\n    secret-env \"DATABASE_URL\" secret=\"web-db\" key=\"url\"\n    image-pull-secret \"regcred\"\n}\n";

/// Hover over a value naming a Secret says what delivers it, per env, or
/// that it is managed outside kiln.
#[test]
fn hover_tells_where_a_secret_comes_from() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical");
    std::fs::write(root.join("kiln.kdl"), SECRETS).expect("write kiln.kdl");
    let kiln = uri(&root.join("kiln.kdl"));
    let mut s = Session::start(&root);
    s.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    s.notify("initialized", json!({}));
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": kiln, "languageId": "kdl", "version": 1, "text": SECRETS}}),
    );
    // A clean file gets no errors (lint's warnings about the app's probes
    // and resources are beside the point), published once its compile is
    // done (on the server's worker), so the hover below sees it.
    let diags = s.diagnostics(&kiln);
    assert!(diags.iter().all(|d| d["severity"] != json!(1)), "{diags:?}");
    let hover = |s: &mut Session, line: u32, character: u32| {
        let h = s.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": kiln}, "position": {"line": line, "character": character}}),
        );
        h["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    // `secret="web-db"` of the `secret-env`.
    let text = hover(&mut s, 9, 41);
    assert!(
        text.contains("env `staging`, app `web`: Secret `web-db`, the ExternalSecret of app `web`"),
        "{text}"
    );
    // `image-pull-secret "regcred"`.
    let text = hover(&mut s, 10, 25);
    assert!(
        text.contains("Secret `regcred`, managed outside kiln"),
        "{text}"
    );
    s.request("shutdown", Value::Null);
    s.notify("exit", Value::Null);
}

//! `kiln lsp`: a language server on stdio.
//!
//! Diagnostics are exactly `kiln check`'s, compiled through an
//! [`Overlay`](crate::world::Overlay) world that serves open buffers over
//! the disk, incrementally ([`incremental`]): after an edit, only what it
//! can change is checked and rendered again. Compiles run on a thread of
//! their own ([`worker`]), which abandons one as soon as a newer edit
//! arrives and never publishes results older than a document's latest
//! version. Each publish sends the edited file's list first, then every
//! list that changed (an empty list once a file is clean).
//!
//! Hover, completion and go to definition ([`hover`]) are answered at once
//! on the main thread: they read the cursor's context from tokens (so a
//! broken document still answers) and the names and docs from the last
//! finished compile's [`Model`](crate::check::Model).

mod cursor;
mod hover;
pub mod incremental;
mod paths;
pub mod publish;
mod server;
mod worker;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::Sender;
use std::sync::{LazyLock, Mutex, MutexGuard};

use lsp_server::{Connection, Message, Response};
use lsp_types::{
    CompletionOptions, HoverProviderCapability, OneOf, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind,
};

use server::Server;
use worker::Worker;

/// Runs the server until the client says `exit`; returns the exit code.
pub fn run() -> i32 {
    let (conn, io_threads) = Connection::stdio();
    let code = match serve(&conn) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("kiln lsp: {e}");
            1
        }
    };
    drop(conn);
    let _ = io_threads.join();
    code
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["=".into(), "\"".into()]),
            ..Default::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        ..Default::default()
    }
}

/// Serves `conn` until the client asks for shutdown (or goes away).
fn serve(conn: &Connection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let caps = serde_json::to_value(capabilities())?;
    conn.initialize(caps)?;
    let out = conn.sender.clone();
    let worker = Worker::spawn(move |m| out.send(m).is_ok());
    let result = answer(conn, &mut Server::new(worker.jobs.clone()));
    worker.stop();
    result
}

/// The main loop: requests answered at once, changes handed to the
/// compile thread.
fn answer(
    conn: &Connection,
    server: &mut Server,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req)? {
                    return Ok(());
                }
                let id = req.id.clone();
                let resp = match catch_unwind(AssertUnwindSafe(|| server.request(req))) {
                    Ok(r) => r,
                    Err(_) => Response::new_err(
                        id,
                        lsp_server::ErrorCode::InternalError as i32,
                        "kiln failed on this request; please report it".into(),
                    ),
                };
                conn.sender.send(Message::Response(resp))?;
            }
            Message::Notification(n) => {
                let _ = catch_unwind(AssertUnwindSafe(|| server.notification(n)));
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// Gives the calling thread the lowest scheduling priority (nice 19);
/// best effort.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid takes no arguments; setpriority with PRIO_PROCESS
    // and a thread id changes that thread's nice value only.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
    }
}

/// Locks a mutex whether or not a thread panicked holding it: what the
/// server's mutexes guard is replaced whole, never left half written.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Drops `value` on the server's freeing thread: what a compile of a
/// large project replaces takes a while to free, and the client is
/// waiting for the next answer. One thread for the whole session, started
/// on first use, at the lowest priority: on a machine of few cores it
/// would otherwise take a core from the next edit's compile. Should it
/// not start, values are dropped here.
fn drop_aside<T: Send + 'static>(value: T) {
    static FREEING: LazyLock<Option<Sender<Box<dyn Send>>>> = LazyLock::new(|| {
        let (send, receive) = std::sync::mpsc::channel::<Box<dyn Send>>();
        std::thread::Builder::new()
            .name("kiln-lsp-free".into())
            .spawn(move || {
                lowest_priority();
                receive.into_iter().for_each(drop)
            })
            .ok()
            .map(|_| send)
    });
    if let Some(send) = &*FREEING {
        // A send fails only when the thread is gone: the value comes back
        // inside the error and is dropped here.
        let _ = send.send(Box::new(value));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::sync::mpsc::{Sender, channel};
    use std::time::Duration;

    /// Reports, when dropped, the nice value of the thread dropping it.
    struct Niceness(Sender<i32>);

    impl Drop for Niceness {
        fn drop(&mut self) {
            // SAFETY: gettid and getpriority read this thread's values.
            let nice =
                unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
            let _ = self.0.send(nice);
        }
    }

    #[test]
    fn values_are_freed_aside_at_the_lowest_priority() {
        let (send, receive) = channel();
        super::drop_aside(Niceness(send));
        let nice = receive
            .recv_timeout(Duration::from_secs(10))
            .expect("dropped on the freeing thread");
        assert_eq!(nice, 19);
    }
}

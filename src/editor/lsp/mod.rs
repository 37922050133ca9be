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

/// Locks a mutex whether or not a thread panicked holding it: what the
/// server's mutexes guard is replaced whole, never left half written.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Drops `value` on the server's freeing thread: what a compile of a
/// large project replaces takes a while to free, and the client is
/// waiting for the next answer. One thread for the whole session, started
/// on first use; should it not start, values are dropped here.
fn drop_aside<T: Send + 'static>(value: T) {
    static FREEING: LazyLock<Option<Sender<Box<dyn Send>>>> = LazyLock::new(|| {
        let (send, receive) = std::sync::mpsc::channel::<Box<dyn Send>>();
        std::thread::Builder::new()
            .name("kiln-lsp-free".into())
            .spawn(move || receive.into_iter().for_each(drop))
            .ok()
            .map(|_| send)
    });
    if let Some(send) = &*FREEING {
        // A send fails only when the thread is gone: the value comes back
        // inside the error and is dropped here.
        let _ = send.send(Box::new(value));
    }
}

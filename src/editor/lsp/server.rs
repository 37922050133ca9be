//! The main thread's state: the open documents, which it hands to the
//! compile thread ([`super::worker`]) on every change, and the answers to
//! requests, from the last compile of the document's project.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use lsp_server::{Notification, Request, RequestId, Response};
use lsp_types::{
    CompletionParams, CompletionResponse, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, GotoDefinitionParams,
    GotoDefinitionResponse, HoverParams, Location, Position, Uri,
};

use super::hover::{self, At};
use super::paths::{offset_of, project_of, uri_path};
use super::publish::OpenDocs;
use super::worker::{Job, Project};

/// An open document.
struct Doc {
    uri: Uri,
    text: String,
    version: i32,
}

/// The open documents and the projects they belong to.
pub struct Server {
    /// Open documents by canonical path.
    docs: HashMap<PathBuf, Doc>,
    /// Projects by root.
    projects: HashMap<PathBuf, Arc<Project>>,
    jobs: Sender<Job>,
}

impl Server {
    /// A server that queues its compiles on `jobs`.
    pub fn new(jobs: Sender<Job>) -> Server {
        Server {
            docs: HashMap::new(),
            projects: HashMap::new(),
            jobs,
        }
    }

    /// Answers one request.
    pub fn request(&self, req: Request) -> Response {
        let id = req.id.clone();
        match req.method.as_str() {
            "textDocument/hover" => {
                respond(id, req.extract::<HoverParams>("textDocument/hover"), |p| {
                    let pos = p.text_document_position_params;
                    self.with(&pos.text_document.uri, pos.position, hover::hover)
                })
            }
            "textDocument/completion" => respond(
                id,
                req.extract::<CompletionParams>("textDocument/completion"),
                |p| {
                    let pos = p.text_document_position;
                    self.with(&pos.text_document.uri, pos.position, hover::completion)
                        .map(CompletionResponse::Array)
                },
            ),
            "textDocument/definition" => respond(
                id,
                req.extract::<GotoDefinitionParams>("textDocument/definition"),
                |p| {
                    let pos = p.text_document_position_params;
                    let (path, range) =
                        self.with(&pos.text_document.uri, pos.position, hover::definition)?;
                    let uri = self.open_docs().uri(&path)?;
                    Some(GotoDefinitionResponse::Scalar(Location::new(uri, range)))
                },
            ),
            _ => Response::new_err(
                id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("kiln does not answer `{}`", req.method),
            ),
        }
    }

    /// Takes a change of the documents and queues the compile of their
    /// project.
    pub fn notification(&mut self, n: Notification) {
        let path = match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = n.extract::<DidOpenTextDocumentParams>("textDocument/didOpen") else {
                    return;
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return;
                };
                let d = p.text_document;
                self.docs.insert(
                    path.clone(),
                    Doc {
                        uri: d.uri,
                        text: d.text,
                        version: d.version,
                    },
                );
                path
            }
            "textDocument/didChange" => {
                let Ok(p) = n.extract::<DidChangeTextDocumentParams>("textDocument/didChange")
                else {
                    return;
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return;
                };
                // Full sync: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return;
                };
                self.docs.insert(
                    path.clone(),
                    Doc {
                        uri: p.text_document.uri,
                        text: change.text,
                        version: p.text_document.version,
                    },
                );
                path
            }
            "textDocument/didSave" => {
                let Ok(p) = n.extract::<DidSaveTextDocumentParams>("textDocument/didSave") else {
                    return;
                };
                match uri_path(&p.text_document.uri) {
                    Some(path) => path,
                    None => return,
                }
            }
            "textDocument/didClose" => {
                let Ok(p) = n.extract::<DidCloseTextDocumentParams>("textDocument/didClose") else {
                    return;
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return;
                };
                self.docs.remove(&path);
                path
            }
            _ => return,
        };
        self.queue(path);
    }

    /// Queues a compile of the project holding `edited`.
    fn queue(&mut self, edited: PathBuf) {
        let Some(root) = project_of(&edited) else {
            return;
        };
        let project = self
            .projects
            .entry(root.clone())
            .or_insert_with(|| Arc::new(Project::new(root.clone())))
            .clone();
        let generation = project.bump();
        let mine = |p: &PathBuf| p.starts_with(&root);
        let texts = self
            .docs
            .iter()
            .filter(|(p, _)| mine(p))
            .map(|(p, d)| (p.clone(), d.text.clone()))
            .collect();
        let mut open = self.open_docs();
        open.0.retain(|p, _| mine(p));
        // The worker is gone only when the server is shutting down.
        let _ = self.jobs.send(Job {
            project,
            generation,
            edited: vec![edited],
            texts,
            open,
        });
    }

    /// The URIs and versions of the open documents.
    fn open_docs(&self) -> OpenDocs {
        OpenDocs(
            self.docs
                .iter()
                .map(|(p, d)| (p.clone(), (d.uri.clone(), d.version)))
                .collect(),
        )
    }

    /// Runs a request on an open document at `pos`, with its project's
    /// last compile.
    fn with<R>(&self, uri: &Uri, pos: Position, f: impl FnOnce(&At) -> Option<R>) -> Option<R> {
        let path = uri_path(uri)?;
        let doc = self.docs.get(&path)?;
        let compiled = self.projects.get(&project_of(&path)?)?.last()?;
        let file = compiled
            .sources
            .iter()
            .find(|(_, f)| f.path.as_ref() == Some(&path))
            .map(|(id, _)| id);
        f(&At {
            text: &doc.text,
            offset: offset_of(&doc.text, pos),
            model: &compiled.model,
            sources: &compiled.sources,
            envs: &compiled.envs,
            file,
        })
    }
}

fn respond<P, R: serde::Serialize>(
    id: RequestId,
    params: Result<(RequestId, P), lsp_server::ExtractError<Request>>,
    f: impl FnOnce(P) -> Option<R>,
) -> Response {
    match params {
        Ok((_, p)) => Response::new_ok(id, f(p)),
        Err(e) => Response::new_err(
            id,
            lsp_server::ErrorCode::InvalidParams as i32,
            format!("{e:?}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use lsp_server::Message;

    use super::*;
    use crate::editor::lsp::paths::path_uri;
    use crate::editor::lsp::worker::Worker;

    fn request(id: i32, method: &str, uri: &Uri, pos: Position) -> Request {
        let params = serde_json::json!({"textDocument": {"uri": uri}, "position": pos});
        Request::new(RequestId::from(id), method.into(), params)
    }

    /// Every request at every position of hostile or half-written text
    /// answers without a panic (no `catch_unwind` here to hide one).
    #[test]
    fn requests_never_panic_on_broken_documents() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(root.join("kiln.kdl"), "project \"p\"\nenv \"e\"\n").unwrap();
        let path = root.join("apps.kdl");
        let uri = path_uri(&path).unwrap();
        let worker = Worker::spawn(|_: Message| true);
        let mut server = Server::new(worker.jobs.clone());
        for text in [
            "app \"web\" component=",
            "app \"web\" {\n    strategy \"ro",
            "env \"e\" { app \"web\" { replicas",
            "flavor \"f\" { port 80 name=\"x\" } }}}",
            "app \"é😀\" /-{ (t)x=#\"raw",
            "/* unterminated",
            "\"\"\"\n multi",
            "app\u{0}\"x\"",
            "",
        ] {
            let open = Notification::new(
                "textDocument/didOpen".into(),
                serde_json::json!({"textDocument": {"uri": uri, "languageId": "kdl", "version": 1, "text": text}}),
            );
            server.notification(open);
            // The requests read the last compile's model: wait for one.
            let deadline = Instant::now() + Duration::from_secs(60);
            while server.projects[&root].last().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            let lines = text.split('\n').count() as u32 + 1;
            for line in 0..lines {
                for character in 0..40 {
                    let pos = Position::new(line, character);
                    for method in [
                        "textDocument/hover",
                        "textDocument/completion",
                        "textDocument/definition",
                    ] {
                        let resp = server.request(request(1, method, &uri, pos));
                        assert!(
                            resp.response_result.is_ok(),
                            "{method} at {pos:?}: {resp:?}"
                        );
                    }
                }
            }
        }
        worker.stop();
    }
}

//! `kiln lsp`: a language server on stdio.
//!
//! Diagnostics are exactly `kiln check`'s: the whole project is compiled
//! through an [`Overlay`] world that serves open buffers over the disk, and
//! the result is published for every project file that has (or had)
//! diagnostics. Hover, completion and go to definition read the cursor's
//! context from tokens (so a broken document still answers) and the
//! names and docs from the last compile's [`Model`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionOptions, CompletionParams, CompletionResponse,
    DiagnosticRelatedInformation, DiagnosticSeverity, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    Documentation, GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams,
    HoverProviderCapability, Location, MarkupContent, MarkupKind, NumberOrString, OneOf, Position,
    PublishDiagnosticsParams, Range, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};

use crate::check::Model;
use crate::check::schema::{Component, ParamSchema, ValueSchema};
use crate::compile::{Compiled, Request as CompileRequest, Selection, compile};
use crate::diag::Severity;
use crate::kdlfmt::{Tok, lex};
use crate::span::{Sources, Span};
use crate::world::Overlay;

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

fn serve(conn: &Connection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let caps = serde_json::to_value(capabilities())?;
    conn.initialize(caps)?;
    let mut server = Server::default();
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
                let out =
                    catch_unwind(AssertUnwindSafe(|| server.notification(n))).unwrap_or_default();
                for n in out {
                    conn.sender.send(Message::Notification(n))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// An open document.
struct Doc {
    uri: Uri,
    text: String,
}

/// The server's state: open buffers and what was last compiled.
#[derive(Default)]
struct Server {
    /// Open documents by canonical path.
    docs: HashMap<PathBuf, Doc>,
    /// The last compile of each project root.
    compiled: HashMap<PathBuf, Compiled>,
    /// Files that were sent a non-empty list, per project root.
    published: HashMap<PathBuf, BTreeSet<PathBuf>>,
}

impl Server {
    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        match req.method.as_str() {
            "textDocument/hover" => {
                respond(id, req.extract::<HoverParams>("textDocument/hover"), |p| {
                    let pos = p.text_document_position_params;
                    self.hover(&pos.text_document.uri, pos.position)
                })
            }
            "textDocument/completion" => respond(
                id,
                req.extract::<CompletionParams>("textDocument/completion"),
                |p| {
                    let pos = p.text_document_position;
                    self.completion(&pos.text_document.uri, pos.position)
                        .map(CompletionResponse::Array)
                },
            ),
            "textDocument/definition" => respond(
                id,
                req.extract::<GotoDefinitionParams>("textDocument/definition"),
                |p| {
                    let pos = p.text_document_position_params;
                    self.definition(&pos.text_document.uri, pos.position)
                        .map(GotoDefinitionResponse::Scalar)
                },
            ),
            _ => Response::new_err(
                id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("kiln does not answer `{}`", req.method),
            ),
        }
    }

    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        let path = match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = n.extract::<DidOpenTextDocumentParams>("textDocument/didOpen") else {
                    return Vec::new();
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return Vec::new();
                };
                self.docs.insert(
                    path.clone(),
                    Doc {
                        uri: p.text_document.uri,
                        text: p.text_document.text,
                    },
                );
                path
            }
            "textDocument/didChange" => {
                let Ok(p) = n.extract::<DidChangeTextDocumentParams>("textDocument/didChange")
                else {
                    return Vec::new();
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return Vec::new();
                };
                // Full sync: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return Vec::new();
                };
                self.docs.insert(
                    path.clone(),
                    Doc {
                        uri: p.text_document.uri,
                        text: change.text,
                    },
                );
                path
            }
            "textDocument/didSave" => {
                let Ok(p) = n.extract::<DidSaveTextDocumentParams>("textDocument/didSave") else {
                    return Vec::new();
                };
                match uri_path(&p.text_document.uri) {
                    Some(path) => path,
                    None => return Vec::new(),
                }
            }
            "textDocument/didClose" => {
                let Ok(p) = n.extract::<DidCloseTextDocumentParams>("textDocument/didClose") else {
                    return Vec::new();
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return Vec::new();
                };
                self.docs.remove(&path);
                path
            }
            _ => return Vec::new(),
        };
        self.recompile(&path)
    }

    /// Compiles the project holding `path` and returns the diagnostics to
    /// publish: every file with diagnostics, and an empty list for every
    /// file that had some last time.
    fn recompile(&mut self, path: &Path) -> Vec<Notification> {
        let Some(root) = project_of(path) else {
            return Vec::new();
        };
        let overlay = Overlay {
            docs: self
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), d.text.clone()))
                .collect(),
        };
        let req = CompileRequest {
            selection: Selection::Everything,
            ..Default::default()
        };
        let compiled = compile(&overlay, &root, &req, None);
        let mut by_file: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for d in &compiled.diags.0 {
            let (file, range) = match d
                .primary_span()
                .and_then(|s| span_location(&compiled.sources, s))
            {
                Some(at) => at,
                // Diagnostics about no file in particular go on kiln.kdl.
                None => (root.join("kiln.kdl"), Range::default()),
            };
            let related: Vec<_> = d
                .labels
                .iter()
                .filter(|l| !l.primary)
                .filter_map(|l| {
                    let (p, range) = span_location(&compiled.sources, l.span)?;
                    Some(DiagnosticRelatedInformation {
                        location: Location::new(self.uri_for(&p)?, range),
                        message: l.message.clone(),
                    })
                })
                .collect();
            let mut message = d.message.clone();
            if let Some(h) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(h);
            }
            by_file
                .entry(file)
                .or_default()
                .push(lsp_types::Diagnostic {
                    range,
                    severity: Some(match d.severity {
                        Severity::Error => DiagnosticSeverity::ERROR,
                        Severity::Warning => DiagnosticSeverity::WARNING,
                    }),
                    code: Some(NumberOrString::String(d.code.to_string())),
                    source: Some("kiln".into()),
                    message,
                    related_information: (!related.is_empty()).then_some(related),
                    ..Default::default()
                });
        }
        let before = self.published.remove(&root).unwrap_or_default();
        let now: BTreeSet<PathBuf> = by_file.keys().cloned().collect();
        for old in before.difference(&now) {
            by_file.insert(old.clone(), Vec::new());
        }
        let mut out = Vec::new();
        for (file, diagnostics) in by_file {
            let Some(uri) = self.uri_for(&file) else {
                continue;
            };
            let version = None;
            out.push(Notification::new(
                "textDocument/publishDiagnostics".into(),
                PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version,
                },
            ));
        }
        self.published.insert(root.clone(), now);
        self.compiled.insert(root, compiled);
        out
    }

    /// The URI the client knows a file by.
    fn uri_for(&self, path: &Path) -> Option<Uri> {
        if let Some(d) = self.docs.get(path) {
            return Some(d.uri.clone());
        }
        path_uri(path)
    }

    /// For a value naming a Secret: what delivers it in each env, or that
    /// it is managed outside kiln (`render::secrets::refs::hover`).
    fn secret_hover(&self, uri: &Uri, offset: usize) -> Option<String> {
        let path = uri_path(uri)?;
        let c = self.compiled.get(&project_of(&path)?)?;
        let (file, _) = c
            .sources
            .iter()
            .find(|(_, f)| f.path.as_ref() == Some(&path))?;
        let envs = c
            .envs
            .iter()
            .map(|e| (e.env.as_str(), e.secret_refs.as_slice()));
        crate::render::secrets::refs::hover(envs, file, offset)
    }

    /// The text, offset and model for a position in an open document.
    fn at(&self, uri: &Uri, pos: Position) -> Option<(&str, usize, &Model, &Sources)> {
        let path = uri_path(uri)?;
        let doc = self.docs.get(&path)?;
        let root = project_of(&path)?;
        let c = self.compiled.get(&root)?;
        let offset = offset_of(&doc.text, pos);
        Some((&doc.text, offset, &c.model, &c.sources))
    }

    fn hover(&self, uri: &Uri, pos: Position) -> Option<Hover> {
        let (text, offset, model, _) = self.at(uri, pos)?;
        let cx = context(text, offset);
        let word = cx.word.as_ref()?;
        let md = match word.role {
            Role::NodeName => node_doc(model, &cx.stack, &word.text)?,
            Role::PropName => {
                let node = cx.node.as_ref()?;
                if cx.stack.is_empty() && node.name == "app" && word.text == "component" {
                    "`component=\"NAME\"`: the component whose parameters this app's body uses (default `web-service`)".to_string()
                } else {
                    let ps = param_schema(model, &cx.stack, &node.name)?;
                    let v = ps.props.get(&word.text)?;
                    value_doc(&format!("{}={}", word.text, type_hint(v)), v)
                }
            }
            Role::Value => {
                let node = cx.node.as_ref()?;
                if word.prop.as_deref() == Some("component") {
                    component_doc(model.components.get(&word.text)?)
                } else {
                    let top = cx.stack.first().map(|f| f.name.as_str());
                    match (top, cx.stack.len(), node.name.as_str()) {
                        (Some("env"), 1, "flavor") => {
                            let f = model.flavors.get(&word.text)?;
                            let names: Vec<String> = f
                                .params
                                .iter()
                                .map(|p| format!("`{}`", p.name.value))
                                .collect();
                            format!("flavor `{}`: sets {}", word.text, names.join(", "))
                        }
                        (Some("env"), 1, "app") => {
                            let a = model.apps.get(&word.text)?;
                            format!("app `{}`, component `{}`", word.text, a.component.value)
                        }
                        (Some("app"), 1, "envs") => {
                            let e = model.envs.get(&word.text)?;
                            format!(
                                "env `{}`, namespace `{}`",
                                word.text,
                                e.namespace_template()
                            )
                        }
                        _ => self.secret_hover(uri, word.start)?,
                    }
                }
            }
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: md,
            }),
            range: Some(Range::new(
                position_of(text, word.start),
                position_of(text, word.end),
            )),
        })
    }

    fn completion(&self, uri: &Uri, pos: Position) -> Option<Vec<CompletionItem>> {
        let (text, offset, model, _) = self.at(uri, pos)?;
        let cx = context(text, offset);
        let mut items = Vec::new();
        match (&cx.node, &cx.word) {
            // Writing a value after `key=`: the property's enum values.
            (Some(node), Some(w)) if w.role == Role::Value && w.prop.is_some() => {
                let prop = w.prop.as_deref().unwrap_or_default();
                if cx.stack.is_empty() && node.name == "app" && prop == "component" {
                    for (name, c) in &model.components {
                        if !c.is_abstract {
                            items.push(item(name, CompletionItemKind::CLASS, c.doc.clone()));
                        }
                    }
                } else if let Some(v) =
                    param_schema(model, &cx.stack, &node.name).and_then(|p| p.props.get(prop))
                {
                    for val in &v.values {
                        items.push(item(val, CompletionItemKind::ENUM_MEMBER, v.doc.clone()));
                    }
                }
            }
            // After a node's name: its properties, and enum values of its argument.
            (Some(node), w) if w.as_ref().is_none_or(|w| w.role != Role::NodeName) => {
                if cx.stack.is_empty() && node.name == "app" {
                    items.push(item("component", CompletionItemKind::PROPERTY, None));
                } else if let Some(ps) = param_schema(model, &cx.stack, &node.name) {
                    for (name, v) in &ps.props {
                        let mut it = item(name, CompletionItemKind::PROPERTY, v.doc.clone());
                        it.insert_text = Some(format!("{name}="));
                        it.detail = Some(type_hint(v));
                        items.push(it);
                    }
                    let arg = ps.shorthand.as_ref().or(ps.args.first().map(|a| &a.value));
                    if let Some(v) = arg {
                        for val in &v.values {
                            let mut it = item(val, CompletionItemKind::ENUM_MEMBER, v.doc.clone());
                            it.insert_text = Some(format!("\"{val}\""));
                            items.push(it);
                        }
                    }
                }
            }
            // At the start of a node: the names allowed here.
            _ => {
                for (name, doc) in node_names(model, &cx.stack) {
                    items.push(item(&name, CompletionItemKind::FIELD, doc));
                }
            }
        }
        Some(items)
    }

    fn definition(&self, uri: &Uri, pos: Position) -> Option<Location> {
        let (text, offset, model, sources) = self.at(uri, pos)?;
        let cx = context(text, offset);
        let word = cx.word.as_ref()?;
        if word.role != Role::Value {
            return None;
        }
        let node = cx.node.as_ref()?;
        let top = cx.stack.first().map(|f| f.name.as_str());
        let span = match (
            top,
            cx.stack.len(),
            node.name.as_str(),
            word.prop.as_deref(),
        ) {
            (_, _, _, Some("component")) => model.components.get(&word.text)?.name.span,
            (Some("env"), 1, "flavor", None) => model.flavors.get(&word.text)?.name.span,
            (Some("env"), 1, "app", None) => model.apps.get(&word.text)?.name.span,
            (Some("app"), 1, "envs", None) => model.envs.get(&word.text)?.name.span,
            _ => return None,
        };
        let (path, range) = span_location(sources, span)?;
        Some(Location::new(self.uri_for(&path)?, range))
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

fn item(label: &str, kind: CompletionItemKind, doc: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        documentation: doc.map(|d| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: d,
            })
        }),
        ..Default::default()
    }
}

/// The project directory (canonical) holding `path`.
fn project_of(path: &Path) -> Option<PathBuf> {
    let dir = path.parent()?;
    let root = crate::syntax::find_project(dir)?;
    std::fs::canonicalize(root).ok()
}

/// The file a span is in and its range, for spans in project files.
fn span_location(sources: &Sources, span: Span) -> Option<(PathBuf, Range)> {
    let f = sources.get(span.file);
    let path = f.path.clone()?;
    let (l1, c1) = f.line_col_utf16(span.start as usize);
    let (l2, c2) = f.line_col_utf16(span.end as usize);
    let pos = |l: usize, c: usize| Position::new((l - 1) as u32, (c - 1) as u32);
    Some((path, Range::new(pos(l1, c1), pos(l2, c2))))
}

/// The local path of a `file:` URI, canonical when the file exists.
fn uri_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // `file:///p` or `file://localhost/p`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = rest.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    let path = PathBuf::from(String::from_utf8(out).ok()?);
    if !path.is_absolute() {
        return None;
    }
    // An unsaved file has no canonical form; its directory may.
    Some(match std::fs::canonicalize(&path) {
        Ok(p) => p,
        Err(_) => match (path.parent().map(std::fs::canonicalize), path.file_name()) {
            (Some(Ok(dir)), Some(name)) => dir.join(name),
            _ => path,
        },
    })
}

/// The `file:` URI of an absolute path.
fn path_uri(path: &Path) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.to_str()?.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

/// The byte offset of an LSP position (UTF-16 columns), clamped to the text.
fn offset_of(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0u32;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= pos.character {
            return line_start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

/// The LSP position of a byte offset.
fn position_of(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[start..offset].encode_utf16().count() as u32;
    Position::new(line, col)
}

/// One enclosing node: its name, first argument and `component=`.
#[derive(Clone, Debug, Default)]
struct Frame {
    name: String,
    arg: Option<String>,
    component: Option<String>,
}

/// What a word under the cursor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    NodeName,
    PropName,
    Value,
}

/// The word under (or just before) the cursor.
#[derive(Clone, Debug)]
struct Word {
    text: String,
    start: usize,
    end: usize,
    role: Role,
    /// For a property's value, the property's name.
    prop: Option<String>,
}

/// Where the cursor is: the enclosing blocks, the node it is in (if past
/// that node's name), and the word under it.
#[derive(Debug, Default)]
struct Cursor {
    stack: Vec<Frame>,
    node: Option<Frame>,
    word: Option<Word>,
}

/// Reads the cursor's context from tokens, so it works on any text.
fn context(text: &str, offset: usize) -> Cursor {
    let toks = lex(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut node: Option<Frame> = None;
    let mut pending_prop: Option<String> = None;
    let mut word = None;
    let mut skip_next = false;
    let mut i = 0;
    while i < toks.len() {
        let (start, tok) = &toks[i];
        let start = *start;
        if start > offset {
            break;
        }
        let end = toks.get(i + 1).map_or(text.len(), |t| t.0);
        let at_cursor = start <= offset && offset <= end;
        match tok {
            // A terminator or brace at the cursor itself does not count yet.
            Tok::Newline | Tok::Semicolon if start < offset => {
                node = None;
                pending_prop = None;
            }
            Tok::Open if start < offset => stack.push(node.take().unwrap_or_default()),
            Tok::Close if start < offset => {
                stack.pop();
                node = None;
            }
            Tok::Slashdash => skip_next = true,
            Tok::Word(w) => {
                let value = unquote(w);
                let is_prop = matches!(toks.get(i + 1), Some((_, Tok::Equals)));
                let role = if node.is_none() {
                    Role::NodeName
                } else if is_prop {
                    Role::PropName
                } else {
                    Role::Value
                };
                if at_cursor {
                    word = Some(Word {
                        text: value.clone(),
                        start,
                        end,
                        role,
                        prop: if role == Role::Value {
                            pending_prop.clone()
                        } else {
                            None
                        },
                    });
                }
                if skip_next {
                    skip_next = false;
                } else {
                    match role {
                        Role::NodeName => {
                            node = Some(Frame {
                                name: value,
                                ..Default::default()
                            })
                        }
                        Role::PropName => {}
                        Role::Value => {
                            if let Some(n) = node.as_mut() {
                                if pending_prop.as_deref() == Some("component") {
                                    n.component = Some(value);
                                } else if pending_prop.is_none() && n.arg.is_none() {
                                    n.arg = Some(value);
                                }
                            }
                        }
                    }
                }
                pending_prop = if is_prop { Some(unquote(w)) } else { None };
                if is_prop {
                    i += 1; // the `=`
                    if let Some((s, _)) = toks.get(i)
                        && *s < offset
                        && !matches!(toks.get(i + 1), Some((_, Tok::Word(_))))
                    {
                        // Cursor right after `key=`: an empty value.
                        word = Some(Word {
                            text: String::new(),
                            start: offset,
                            end: offset,
                            role: Role::Value,
                            prop: pending_prop.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Cursor { stack, node, word }
}

/// A string's value: quotes and `#` removed (escapes left as written).
fn unquote(w: &str) -> String {
    let t = w.trim_matches('#');
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].to_string()
    } else {
        w.to_string()
    }
}

/// The component whose parameters the innermost app-like block uses.
fn component_for<'m>(model: &'m Model, stack: &[Frame]) -> Option<&'m Component> {
    let name = match stack.first()?.name.as_str() {
        "app" => stack[0]
            .component
            .clone()
            .or_else(|| {
                let arg = stack[0].arg.as_ref()?;
                model.apps.get(arg).map(|a| a.component.value.clone())
            })
            .unwrap_or_else(|| "web-service".to_string()),
        "env" => {
            let app = stack.get(1).filter(|f| f.name == "app")?;
            model.apps.get(app.arg.as_ref()?)?.component.value.clone()
        }
        _ => return None,
    };
    model.components.get(&name)
}

/// How deep in `stack` the parameters start: after `app`, or `env` + `app`.
fn params_depth(stack: &[Frame]) -> usize {
    match stack.first().map(|f| f.name.as_str()) {
        Some("env") => 2,
        _ => 1,
    }
}

/// The schema of parameter `name` inside `stack`.
fn param_schema<'m>(model: &'m Model, stack: &[Frame], name: &str) -> Option<&'m ParamSchema> {
    let depth = params_depth(stack);
    if stack.len() < depth {
        return None;
    }
    let path: Vec<&str> = stack[depth..]
        .iter()
        .map(|f| f.name.as_str())
        .chain([name])
        .collect();
    let lookup = |c: &'m Component| {
        let mut ps = c.params.get(path[0])?;
        for p in &path[1..] {
            ps = ps.children.get(*p)?;
        }
        Some(ps)
    };
    if stack.first().is_some_and(|f| f.name == "flavor") {
        return model.components.values().find_map(lookup);
    }
    lookup(component_for(model, stack)?)
}

/// Node names allowed at the cursor, with their docs.
fn node_names(model: &Model, stack: &[Frame]) -> Vec<(String, Option<String>)> {
    let fixed = |names: &[(&str, &str)]| {
        names
            .iter()
            .map(|(n, d)| (n.to_string(), Some(d.to_string())))
            .collect::<Vec<_>>()
    };
    let params = |ps: &mut dyn Iterator<Item = &ParamSchema>| {
        ps.map(|p| (p.name.clone(), Some(param_doc(p))))
            .collect::<Vec<_>>()
    };
    let top = stack.first().map(|f| f.name.as_str());
    let depth = params_depth(stack);
    match (top, stack.len()) {
        (None, _) => fixed(TOP_LEVEL),
        (Some("project"), 1) => fixed(&[
            (
                "gitops",
                "`gitops URL branch= path=`: defaults for the gitops commands",
            ),
            ("labels", "labels added to every rendered object"),
            ("annotations", "annotations added to every rendered object"),
        ]),
        (Some("env"), 1) => fixed(ENV_NODES),
        (Some("flavor"), 1) => {
            let mut seen = BTreeSet::new();
            let mut out = Vec::new();
            for c in model.components.values() {
                for p in c.params.values() {
                    if seen.insert(p.name.clone()) {
                        out.push((p.name.clone(), Some(param_doc(p))));
                    }
                }
            }
            out
        }
        (Some("app") | Some("env"), n) if n == depth => {
            let mut out = component_for(model, stack)
                .map(|c| params(&mut c.params.values()))
                .unwrap_or_default();
            out.extend(crate::check::extras::LANGUAGE_NODES.iter().map(|n| {
                (
                    n.name.to_string(),
                    Some(format!("`{}`: {}", n.usage, n.doc)),
                )
            }));
            if top == Some("app") {
                out.extend(fixed(&[(
                    "envs",
                    "`envs \"a\" \"b\"`: the envs this app is deployed to (default: all)",
                )]));
            }
            out
        }
        (Some("app") | Some("env"), n) if n > depth => {
            let parent = &stack[n - 1];
            match param_schema(model, &stack[..n - 1], &parent.name) {
                Some(ps) => params(&mut ps.children.values()),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

const TOP_LEVEL: &[(&str, &str)] = &[
    (
        "project",
        "`project \"NAME\"`: the project, once, in `kiln.kdl`",
    ),
    ("app", "`app \"NAME\" component=\"…\"`: one application"),
    ("env", "`env \"NAME\"`: an environment and its overrides"),
    (
        "flavor",
        "`flavor \"NAME\"`: parameters an env can apply to every app",
    ),
    (
        "component",
        "`component \"NAME\"`: a reusable kind of app, with params and templates",
    ),
];

const ENV_NODES: &[(&str, &str)] = &[
    ("namespace", "the env's namespace (default: the env's name)"),
    (
        "flavor",
        "`flavor \"a\" \"b\"`: flavors applied in this order",
    ),
    ("vars", "`vars KEY=VALUE…`: template variables"),
    ("labels", "labels added to every object of this env"),
    ("annotations", "annotations on every object of this env"),
    (
        "deploy",
        "`deploy branch= tag= event=`: when `kiln commit --event` picks this env",
    ),
    (
        "app",
        "`app \"NAME\" { … }`: overrides for one app in this env",
    ),
    (
        "preview",
        "`preview ttl=\"72h\"`: a template for preview environments",
    ),
    (
        "create-namespace",
        "`create-namespace #true`: render the Namespace object",
    ),
    ("flux", "fields of the env's Flux Kustomizations"),
];

/// Hover text for a node name at `stack`.
fn node_doc(model: &Model, stack: &[Frame], name: &str) -> Option<String> {
    if let Some(ps) = param_schema(model, stack, name) {
        return Some(param_doc(ps));
    }
    node_names(model, stack)
        .into_iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, d)| d)
}

fn param_doc(p: &ParamSchema) -> String {
    let mut s = format!("```kdl\n{}\n```", p.usage());
    if let Some(d) = &p.doc {
        s.push_str("\n\n");
        s.push_str(d);
    }
    if p.required {
        s.push_str("\n\n(required)");
    }
    s
}

fn value_doc(head: &str, v: &ValueSchema) -> String {
    let mut s = format!("`{head}`");
    if let Some(d) = &v.doc {
        s.push_str("\n\n");
        s.push_str(d);
    }
    if let Some(d) = &v.default {
        s.push_str(&format!("\n\ndefault: `{d:?}`"));
    }
    s
}

fn type_hint(v: &ValueSchema) -> String {
    if v.values.is_empty() {
        format!("<{}>", v.ty.name())
    } else {
        v.values.join("|")
    }
}

fn component_doc(c: &Component) -> String {
    let mut s = format!("component `{}`", c.name.value);
    if let Some(d) = &c.doc {
        s.push_str("\n\n");
        s.push_str(d);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16() {
        let text = "a \"é😀\" b\nxy";
        let b = text.find('b').unwrap();
        let p = position_of(text, b);
        assert_eq!((p.line, p.character), (0, 8));
        assert_eq!(offset_of(text, p), b);
        assert_eq!(offset_of(text, Position::new(9, 9)), text.len());
        assert_eq!(offset_of(text, Position::new(1, 99)), text.len());
    }

    #[test]
    fn context_finds_enclosing_blocks_and_roles() {
        let text =
            "env \"staging\" {\n    flavor \"small\"\n    app \"web\" {\n        repl\n    }\n}\n";
        let cx = context(text, text.find("small").unwrap() + 1);
        assert_eq!(cx.stack.len(), 1);
        assert_eq!(cx.node.as_ref().unwrap().name, "flavor");
        assert_eq!(cx.word.as_ref().unwrap().role, Role::Value);
        let cx = context(text, text.find("repl").unwrap() + 4);
        assert_eq!(cx.stack.len(), 2);
        assert_eq!(cx.stack[1].arg.as_deref(), Some("web"));
        assert_eq!(cx.word.as_ref().unwrap().role, Role::NodeName);
    }

    #[test]
    fn context_after_equals_is_a_value() {
        let text = "app \"a\" component=";
        let cx = context(text, text.len());
        let w = cx.word.unwrap();
        assert_eq!(w.role, Role::Value);
        assert_eq!(w.prop.as_deref(), Some("component"));
    }

    #[test]
    fn context_never_panics() {
        for t in ["", "}}}", "{{{", "a=", "=", "\"", "/-", "a \"é", "😀😀"] {
            for o in 0..=t.len() {
                let _ = context(t, o);
            }
        }
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
        let mut server = Server::default();
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
            let _ = server.notification(open);
            let lines = text.split('\n').count() as u32 + 1;
            for line in 0..lines {
                for character in 0..40 {
                    let pos = Position::new(line, character);
                    let _ = server.hover(&uri, pos);
                    let _ = server.completion(&uri, pos);
                    let _ = server.definition(&uri, pos);
                }
            }
        }
    }

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a b/ü.kdl");
        let u = path_uri(p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/a%20b/%C3%BC.kdl");
        assert_eq!(uri_path(&u).unwrap(), p);
    }
}

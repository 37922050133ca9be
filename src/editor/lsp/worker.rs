//! The compile thread: the main thread reads the client's messages and
//! answers requests at once; compiles run here, one project at a time,
//! each through its project's incremental [`Engine`].
//!
//! Every change of a document bumps its project's generation (under the
//! project's publishing lock) and queues a [`Job`]. A compile stops as
//! soon as the generation it was started for is no longer the latest: the
//! newer job, queued behind it, does the rest, with the units the stopped
//! compile finished. Diagnostics are sent under the publishing lock and
//! only if the generation is still the latest, so once the main thread
//! has taken version N + 1 of a document, nothing computed from version N
//! is published.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Message, Notification};

use super::incremental::Engine;
use super::publish::{self, ByFile, OpenDocs, Published};
use super::{drop_aside, lock};
use crate::compile::Compiled;
use crate::world::Overlay;

/// One project, as both threads see it.
pub struct Project {
    /// The project directory, canonical.
    pub root: PathBuf,
    /// Bumped by every change of one of its documents.
    generation: AtomicU64,
    /// Held while the generation is bumped and while diagnostics are sent.
    publishing: Mutex<()>,
    /// The last finished compile, for requests.
    last: Mutex<Option<Arc<Compiled>>>,
}

impl Project {
    /// A project nothing was compiled for yet.
    pub fn new(root: PathBuf) -> Project {
        Project {
            root,
            generation: AtomicU64::new(0),
            publishing: Mutex::new(()),
            last: Mutex::new(None),
        }
    }

    /// Marks every compile started so far as superseded; returns the new
    /// generation.
    pub fn bump(&self) -> u64 {
        let _publishing = lock(&self.publishing);
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The last finished compile, if any.
    pub fn last(&self) -> Option<Arc<Compiled>> {
        lock(&self.last).clone()
    }
}

/// A compile to run: the project as its documents were at `generation`.
pub struct Job {
    pub project: Arc<Project>,
    pub generation: u64,
    /// The documents that changed, whose diagnostics are sent first and
    /// always.
    pub edited: Vec<PathBuf>,
    /// The texts of the project's open documents.
    pub texts: HashMap<PathBuf, String>,
    pub open: OpenDocs,
}

/// The compile thread, and how to stop it.
pub struct Worker {
    pub jobs: Sender<Job>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Worker {
    /// Starts the thread; `send` hands a message to the client and says
    /// whether the connection is still open.
    pub fn spawn(send: impl Fn(Message) -> bool + Send + 'static) -> Worker {
        let (jobs, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || run(&rx, &stopping, &send));
        Worker { jobs, stop, thread }
    }

    /// Abandons the compile under way and waits for the thread to end.
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        drop(self.jobs);
        let _ = self.thread.join();
    }
}

/// The state the thread keeps per project.
#[derive(Default)]
struct State {
    engines: HashMap<PathBuf, (Engine, Published)>,
    /// The edited documents of abandoned compiles, by project: the next
    /// compile publishes their lists too, so every edit gets an answer.
    unanswered: HashMap<PathBuf, Vec<PathBuf>>,
}

fn run(jobs: &Receiver<Job>, stop: &AtomicBool, send: &dyn Fn(Message) -> bool) {
    let mut state = State::default();
    loop {
        // Woken now and then to see whether `stop` was asked for while
        // some sender still lives.
        let first = match jobs.recv_timeout(Duration::from_millis(50)) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) if !stop.load(Ordering::SeqCst) => continue,
            Err(_) => return,
        };
        // Only the latest job of each project is worth running; the edited
        // files of those it replaces still get their answer.
        let mut latest: BTreeMap<PathBuf, Job> = BTreeMap::new();
        for job in std::iter::once(first).chain(jobs.try_iter()) {
            let mut job = job;
            if let Some(older) = latest.remove(&job.project.root) {
                let mut edited = older.edited;
                for p in job.edited {
                    if !edited.contains(&p) {
                        edited.push(p);
                    }
                }
                job.edited = edited;
            }
            latest.insert(job.project.root.clone(), job);
        }
        for job in latest.into_values() {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            if !state.compile(job, stop, send) {
                return;
            }
        }
    }
}

impl State {
    /// Runs one job; false when the client is gone.
    fn compile(&mut self, job: Job, stop: &AtomicBool, send: &dyn Fn(Message) -> bool) -> bool {
        let mut job = job;
        let mut edited = self
            .unanswered
            .remove(&job.project.root)
            .unwrap_or_default();
        for p in std::mem::take(&mut job.edited) {
            if !edited.contains(&p) {
                edited.push(p);
            }
        }
        job.edited = edited;
        let project = &job.project;
        let superseded = || {
            stop.load(Ordering::SeqCst)
                || project.generation.load(Ordering::SeqCst) != job.generation
        };
        let root = project.root.clone();
        let (engine, published) = self
            .engines
            .entry(root.clone())
            .or_insert_with(|| (Engine::new(root.clone()), Published::default()));
        let world = Overlay { docs: job.texts };
        let staged = catch_unwind(AssertUnwindSafe(|| {
            engine.compile_staged(&world, &superseded)
        }));
        let staged = match staged {
            Ok(Some(c)) => c,
            Ok(None) => {
                self.unanswered.insert(root, job.edited);
                return true;
            }
            Err(_) => {
                // What it kept may be half updated: start again from nothing,
                // remembering what the client was sent and that this edit
                // still needs an answer.
                *engine = Engine::new(root.clone());
                self.unanswered.insert(root, job.edited);
                return true;
            }
        };
        // The edited files' lists first, made on their own: the client is
        // waiting for them, and lint's diagnostics of every file, and
        // converting every list, take a while.
        let first_diags = staged.diagnostics_in(&job.edited, &root);
        let first = publish::of_files(
            staged.compiled(),
            &first_diags,
            &root,
            &job.open,
            &job.edited,
        );
        let mut unsent = job.edited.clone();
        let mut out = Outbox {
            project,
            superseded: &superseded,
            send,
            published,
            unsent: &mut unsent,
        };
        let mut going = out.each(Published::lists(&first, &job.edited, &job.open), &first);
        if going.is_none() {
            return false;
        }
        // A newer version that came meanwhile stops the rest: its compile
        // makes the lint diagnostics and sends the lists.
        let finished = catch_unwind(AssertUnwindSafe(|| engine.finish(staged, &superseded)));
        let compiled = match finished {
            Ok(Some(c)) => Arc::new(c),
            Ok(None) => {
                if !unsent.is_empty() {
                    self.unanswered.insert(root, unsent);
                }
                return true;
            }
            Err(_) => {
                // As a compile that panics (above): the edited files have
                // their lists, unless a newer version took over first.
                *engine = Engine::new(root.clone());
                if !unsent.is_empty() {
                    self.unanswered.insert(root, unsent);
                }
                return going.is_some();
            }
        };
        // The compile it replaces is dropped once the client has its
        // answer, and aside: the next edit may be waiting.
        let previous = lock(&project.last).replace(compiled.clone());
        // Then every other list that changed, unless a newer version came
        // meanwhile: its compile sends them, and it should not wait for
        // these to be made.
        if going == Some(true) && !superseded() {
            let now = publish::by_file(&compiled, &root, &job.open);
            if !superseded() {
                let notes = out.published.changes(&now, &job.edited, &job.open);
                going = out.each(notes, &now);
            }
        }
        if going.is_none() {
            return false;
        }
        if !unsent.is_empty() {
            self.unanswered.insert(root, unsent);
        }
        drop_aside(previous);
        true
    }
}

/// Where one compile's notifications go, and what it records.
struct Outbox<'a> {
    project: &'a Project,
    superseded: &'a dyn Fn() -> bool,
    send: &'a dyn Fn(Message) -> bool,
    published: &'a mut Published,
    /// The edited files whose lists were not sent yet.
    unsent: &'a mut Vec<PathBuf>,
}

impl Outbox<'_> {
    /// Sends `notes`, lists of `now`, one at a time under the publishing
    /// lock, so that a newer version waits for one notification at most
    /// and this stops (its compile publishes the rest). `Some(true)` when
    /// all went out, `Some(false)` when superseded, `None` when the
    /// client is gone.
    fn each(&mut self, notes: Vec<(PathBuf, Notification)>, now: &ByFile) -> Option<bool> {
        for (path, n) in notes {
            let publishing = lock(&self.project.publishing);
            if (self.superseded)() {
                return Some(false);
            }
            if !(self.send)(Message::Notification(n)) {
                return None;
            }
            drop(publishing);
            self.published.sent(&path, now);
            self.unsent.retain(|p| *p != path);
        }
        Some(true)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::editor::lsp::paths::path_uri;

    const KILN: &str = "project \"shop\" {\n    lint \"*\" \"allow\"\n}\n\nflavor \"small\" {\n    replicas 1\n}\n\nenv \"staging\" {\n    flavor \"small\"\n}\n";
    const BROKEN: &str = "app \"web\" {\n    image \"nginx:1.27\"\n    replicas \"two\"\n}\n";
    const FIXED: &str = "app \"web\" {\n    image \"nginx:1.27\"\n    replicas 2\n}\n";

    /// A job for `project` at `generation`: `apps.kdl` open at `version`
    /// with `text`, and edited.
    fn job(project: &Arc<Project>, generation: u64, version: i32, text: &str) -> Job {
        let app = project.root.join("apps.kdl");
        let uri = path_uri(&app).expect("a file URI");
        Job {
            project: project.clone(),
            generation,
            edited: vec![app.clone()],
            texts: HashMap::from([(app.clone(), text.to_string())]),
            open: OpenDocs(HashMap::from([(app, (uri, version))])),
        }
    }

    /// Runs `job` on `state`, returning the (version, diagnostic count)
    /// of every publish, in order.
    fn run_job(state: &mut State, job: Job) -> Vec<(Option<i32>, usize)> {
        let sent = RefCell::new(Vec::new());
        let send = |m: Message| {
            if let Message::Notification(n) = m {
                let p: lsp_types::PublishDiagnosticsParams =
                    serde_json::from_value(n.params).expect("publishDiagnostics");
                sent.borrow_mut().push((p.version, p.diagnostics.len()));
            }
            true
        };
        assert!(state.compile(job, &AtomicBool::new(false), &send));
        sent.into_inner()
    }

    fn project() -> (tempfile::TempDir, Arc<Project>) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("kiln.kdl"), KILN).expect("write");
        std::fs::write(dir.path().join("apps.kdl"), FIXED).expect("write");
        let root = dir.path().canonicalize().expect("canonical");
        (dir, Arc::new(Project::new(root)))
    }

    #[test]
    fn a_superseded_version_is_never_published() {
        let (_dir, project) = project();
        let mut state = State::default();
        let old = project.bump();
        let new = project.bump();
        // Version 1's compile runs after version 2 came: it says nothing.
        assert_eq!(run_job(&mut state, job(&project, old, 1, BROKEN)), vec![]);
        // Version 2's publishes, for version 2.
        assert_eq!(
            run_job(&mut state, job(&project, new, 2, FIXED)),
            vec![(Some(2), 0)]
        );
    }

    #[test]
    fn an_abandoned_edit_is_answered_by_the_next_compile() {
        let (_dir, project) = project();
        let mut state = State::default();
        let first = project.bump();
        assert_eq!(
            run_job(&mut state, job(&project, first, 1, BROKEN)),
            vec![(Some(1), 1)]
        );
        // Version 2 (a comment more, the same diagnostics) is abandoned;
        // the next compile, of another file's change, still answers it
        // although its list did not change.
        let commented = format!("{BROKEN}// more\n");
        let abandoned = project.bump();
        let latest = project.bump();
        assert_eq!(
            run_job(&mut state, job(&project, abandoned, 2, &commented)),
            vec![]
        );
        let mut next = job(&project, latest, 2, &commented);
        next.edited = vec![project.root.join("kiln.kdl")];
        assert_eq!(run_job(&mut state, next), vec![(Some(2), 1), (None, 0)]);
    }

    #[test]
    fn sending_stops_at_a_newer_version_and_records_only_what_went_out() {
        let (_dir, project) = project();
        let files: Vec<PathBuf> = ["a.kdl", "b.kdl", "c.kdl"]
            .iter()
            .map(|f| project.root.join(f))
            .collect();
        let diagnostic = lsp_types::Diagnostic {
            message: "m".into(),
            ..Default::default()
        };
        let now: ByFile = files
            .iter()
            .map(|f| (f.clone(), vec![diagnostic.clone()]))
            .collect();
        let open = OpenDocs::default();
        let mut published = Published::default();
        let generation = project.bump();
        let sent = RefCell::new(0);
        // The client's next edit arrives while the first list goes out
        // (the main thread would bump it once the lock is free).
        let send = |_: Message| {
            *sent.borrow_mut() += 1;
            project.generation.fetch_add(1, Ordering::SeqCst);
            true
        };
        let superseded = || project.generation.load(Ordering::SeqCst) != generation;
        let mut unsent = files.clone();
        let mut out = Outbox {
            project: &project,
            superseded: &superseded,
            send: &send,
            published: &mut published,
            unsent: &mut unsent,
        };
        let notes = Published::lists(&now, &files, &open);
        assert_eq!(out.each(notes, &now), Some(false));
        assert_eq!(*sent.borrow(), 1);
        assert_eq!(unsent, files[1..].to_vec());
        // Only the list that went out counts as sent: the next compile
        // sends the other two.
        let rest = published.changes(&now, &[], &open);
        let paths: Vec<&PathBuf> = rest.iter().map(|(p, _)| p).collect();
        assert_eq!(paths, vec![&files[1], &files[2]]);
    }
}

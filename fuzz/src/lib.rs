//! Shared pieces of kiln's fuzz targets: the in-memory project they compile
//! (kiln's `MemWorld`) and a generator of plausible projects.

use std::path::Path;

use arbitrary::Arbitrary;
use kiln::compile::{Compiled, Request, Selection, compile};

pub use kiln::world::MemWorld;

/// Where the in-memory project lives.
pub const ROOT: &str = "/project";

/// Compiles the in-memory project as `kiln check` does (every env, preview
/// templates too), and renders every diagnostic, so formatting is fuzzed
/// as well.
pub fn check(world: &MemWorld) -> Compiled {
    let req = Request {
        selection: Selection::Everything,
        ..Default::default()
    };
    let c = compile(world, Path::new(ROOT), &req, None);
    for format in [kiln::diag::Format::Short, kiln::diag::Format::Json] {
        let _ = kiln::diag::render(&c.diags.0, &c.sources, format, false);
    }
    c
}

/// A world holding one `kiln.kdl`.
pub fn one_file(bytes: &[u8]) -> MemWorld {
    let mut w = MemWorld::new(ROOT);
    w.insert("kiln.kdl", bytes.to_vec());
    w
}

/// A short name from a small alphabet, so generated layers often meet.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Name {
    Web,
    Api,
    Db,
    Job,
    Weird,
}

impl Name {
    fn text(self) -> &'static str {
        match self {
            Name::Web => "web",
            Name::Api => "api",
            Name::Db => "db",
            Name::Job => "job",
            Name::Weird => "We..b/x",
        }
    }
}

/// A string value: plain, templated, or awkward for YAML.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Text {
    Plain,
    Yes,
    Octal,
    Float,
    Tilde,
    ColonSpace,
    Tab,
    EnvName,
    Vars,
    BadTemplate,
    Empty,
}

impl Text {
    fn text(self) -> &'static str {
        match self {
            Text::Plain => "hello",
            Text::Yes => "yes",
            Text::Octal => "0755",
            Text::Float => "1e3",
            Text::Tilde => "~",
            Text::ColonSpace => "a: b",
            Text::Tab => "\\tx",
            Text::EnvName => "{{ env.name }}",
            Text::Vars => "{{ vars.x }}",
            Text::BadTemplate => "{{ nope }}",
            Text::Empty => "",
        }
    }
}

/// One parameter of the standard library, with values drawn from small
/// sets of valid and invalid ones.
#[derive(Arbitrary, Debug, Clone)]
pub enum Param {
    Image(Text),
    Replicas(i64),
    Port { name: Name, number: u16, remove: bool },
    Env { name: u8, value: Text, remove: bool },
    Resources { cpu: u8, memory: u8 },
    Probe { kind: u8, path: Text, remove: bool },
    Autoscale { min: u8, max: u8 },
    Pdb(u8),
    Ingress { host: Text, path: u8, remove: bool },
    Command(Vec<Text>),
    Args(Vec<Text>),
    Labels { key: Text, value: Text },
    File { path: u8, content: Text },
    SpreadAcrossNodes(bool),
    Schedule(u8),
    Volume { name: Name, claim: bool },
    Manifest,
    Patch(u8),
    Raw(String),
}

fn pick<'a>(list: &[&'a str], i: u8) -> &'a str {
    list[i as usize % list.len()]
}

impl Param {
    fn write(&self, out: &mut String) {
        let rm = |r: bool| if r { " remove=#true" } else { "" };
        let line = match self {
            Param::Image(t) => format!("image \"nginx:{}\"", t.text()),
            Param::Replicas(n) => format!("replicas {n}"),
            Param::Port { name, number, remove } => {
                format!("port {number} name=\"{}\"{}", name.text(), rm(*remove))
            }
            Param::Env { name, value, remove } => format!(
                "env \"{}\" \"{}\"{}",
                pick(&["A", "B", "LOG", "API_TOKEN"], *name),
                value.text(),
                rm(*remove)
            ),
            Param::Resources { cpu, memory } => format!(
                "resources cpu=\"{}\" memory=\"{}\"",
                pick(&["100m", "1", "0.5", "12XB", "-1"], *cpu),
                pick(&["64Mi", "1Gi", "12XB", "0"], *memory)
            ),
            Param::Probe { kind, path, remove } => format!(
                "probe \"{}\" http=\"/{}\" port=8080{}",
                pick(&["readiness", "liveness", "startup", "other"], *kind),
                path.text(),
                rm(*remove)
            ),
            Param::Autoscale { min, max } => format!("autoscale min={min} max={max} cpu=70"),
            Param::Pdb(n) => format!("pdb min-available={n}"),
            Param::Ingress { host, path, remove } => format!(
                "ingress \"{}.example.com\" path=\"{}\"{}",
                host.text(),
                pick(&["/", "/api", "x"], *path),
                rm(*remove)
            ),
            Param::Command(v) => format!("command {}", quoted(v)),
            Param::Args(v) => format!("args {}", quoted(v)),
            Param::Labels { key, value } => {
                format!("labels \"{}\"=\"{}\"", key.text(), value.text())
            }
            Param::File { path, content } => format!(
                "file \"/etc/{}\" content=\"{}\"",
                pick(&["a", "b.txt", "../x"], *path),
                content.text()
            ),
            Param::SpreadAcrossNodes(b) => format!("spread-across-nodes #{b}"),
            Param::Schedule(i) => format!(
                "schedule \"{}\"",
                pick(&["0 3 * * *", "*/5 * * * *", "bad"], *i)
            ),
            Param::Volume { name, claim } => {
                if *claim {
                    format!("volume \"/data\" claim=\"{}\" size=\"1Gi\"", name.text())
                } else {
                    format!("volume \"/cache\" empty-dir=#true name=\"{}\"", name.text())
                }
            }
            Param::Manifest => "manifest \"extra.yaml\"".to_string(),
            Param::Patch(i) => format!(
                "patch \"{}\" path=\"{}\" value=\"x\"",
                pick(&["Deployment/{{ app.name }}", "Service/nope"], *i),
                pick(&["/metadata/annotations/a", "/spec/replicas", "/x/0/y"], *i)
            ),
            Param::Raw(s) => s.replace(['{', '}'], ""),
        };
        out.push_str("    ");
        out.push_str(&line);
        out.push('\n');
    }
}

fn quoted(v: &[Text]) -> String {
    v.iter()
        .map(|t| format!("\"{}\"", t.text()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An app: a name, a component and its parameters.
#[derive(Arbitrary, Debug, Clone)]
pub struct App {
    pub name: Name,
    pub component: u8,
    pub params: Vec<Param>,
}

/// An env: its flavors, vars and per-app overrides.
#[derive(Arbitrary, Debug, Clone)]
pub struct Env {
    pub name: u8,
    pub flavors: Vec<u8>,
    pub var: Text,
    pub preview: bool,
    pub create_namespace: bool,
    pub overrides: Vec<App>,
}

/// A plausible project: apps, flavors, envs, and an extra manifest file.
#[derive(Arbitrary, Debug, Clone)]
pub struct Project {
    pub apps: Vec<App>,
    pub flavors: Vec<Vec<Param>>,
    pub envs: Vec<Env>,
    pub manifest: Text,
}

const COMPONENTS: &[&str] = &["web-service", "worker", "cron-job", "stateful-service", "nope"];

impl Project {
    /// The project as `kiln.kdl` text.
    pub fn to_kdl(&self) -> String {
        let mut s = String::from("project \"fuzz\"\n");
        for (i, f) in self.flavors.iter().enumerate() {
            s.push_str(&format!("flavor \"f{i}\" {{\n"));
            for p in f {
                p.write(&mut s);
            }
            s.push_str("}\n");
        }
        for a in &self.apps {
            s.push_str(&format!(
                "app \"{}\" component=\"{}\" {{\n",
                a.name.text(),
                pick(COMPONENTS, a.component)
            ));
            for p in &a.params {
                p.write(&mut s);
            }
            s.push_str("}\n");
        }
        for e in &self.envs {
            s.push_str(&format!("env \"e{}\" {{\n", e.name % 4));
            s.push_str(&format!("    namespace \"ns{}\"\n", e.name % 4));
            if e.preview {
                s.push_str("    preview ttl=\"72h\"\n");
            }
            if e.create_namespace {
                s.push_str("    create-namespace #true\n");
            }
            s.push_str(&format!("    vars x=\"{}\"\n", e.var.text()));
            for f in &e.flavors {
                s.push_str(&format!("    flavor \"f{}\"\n", *f as usize % (self.flavors.len() + 1)));
            }
            for o in &e.overrides {
                s.push_str(&format!("    app \"{}\" {{\n", o.name.text()));
                for p in &o.params {
                    s.push_str("    ");
                    p.write(&mut s);
                }
                s.push_str("    }\n");
            }
            s.push_str("}\n");
        }
        s
    }

    /// The project as an in-memory world.
    pub fn world(&self) -> MemWorld {
        let mut w = one_file(self.to_kdl().as_bytes());
        w.insert(
            "extra.yaml",
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  k: \"{}\"\n",
                self.manifest.text()
            )
            .into_bytes(),
        );
        w
    }
}

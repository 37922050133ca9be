//! The registry of lint rules: each rule's id, diagnostic code, default
//! level and documentation, in one table that `kiln lint --list`, SARIF,
//! the checker (rule names in `lint` and `lint-allow`) and the README
//! read.

/// How seriously a rule's findings are taken in an env.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported (`kiln explain` still shows the findings).
    Allow,
    /// Reported as a warning; fails only with `--deny-warnings`.
    Warn,
    /// Reported as an error: the command fails.
    Deny,
}

impl Level {
    /// The level as written in `lint "RULE" "LEVEL"`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    /// The level a `lint` node names, if it names one.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }

    /// The names of every level, for help text.
    pub const NAMES: [&'static str; 3] = ["deny", "warn", "allow"];
}

/// One lint rule.
#[derive(Debug)]
pub struct Rule {
    pub id: RuleId,
    /// The name users write: `latest-tag`.
    pub name: &'static str,
    /// The diagnostic code: `kiln::lint::latest-tag`.
    pub code: &'static str,
    pub default: Level,
    /// What the rule finds, in one line (LINT.md's table).
    pub summary: &'static str,
    /// Why it matters.
    pub doc: &'static str,
    /// How to fix it in kiln's vocabulary.
    pub fix: &'static str,
}

impl Rule {
    /// False for a rule whose finding is an error whatever the settings
    /// say (`env-secret-literal`: a credential in the gitops repository is
    /// never a matter of policy).
    pub fn configurable(&self) -> bool {
        self.id != RuleId::EnvSecretLiteral
    }
}

macro_rules! rules {
    ($($id:ident = $name:literal, $level:ident, $summary:literal, $doc:literal, $fix:literal;)*) => {
        /// A rule, by identity; `RULES[id as usize]` is its entry.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId { $($id),* }

        /// Every rule, in the order of LINT.md's table.
        pub const RULES: &[Rule] = &[$(Rule {
            id: RuleId::$id,
            name: $name,
            code: concat!("kiln::lint::", $name),
            default: Level::$level,
            summary: $summary,
            doc: $doc,
            fix: $fix,
        }),*];
    };
}

rules! {
    LatestTag = "latest-tag", Warn,
        "an image without a tag or digest, or tagged `latest`",
        "`latest` (or no tag, which means `latest`) names a different image from one pull to the next: two pods of one Deployment may run different code, and a rollback cannot bring the old image back.",
        "pin a version or a digest: `image \"ghcr.io/acme/web:1.4.2\"` or `image \"ghcr.io/acme/web@sha256:…\"`";
    NoRequests = "no-requests", Warn,
        "a container without CPU or memory requests",
        "the scheduler places pods by their requests: without them a node is overcommitted, and the pod is the first evicted under pressure (QoS class BestEffort). A limit alone counts as the request, as Kubernetes defaults it so.",
        "`resources cpu=\"100m\" memory=\"128Mi\"`";
    NoMemoryLimit = "no-memory-limit", Warn,
        "a container without a memory limit",
        "a container without a memory limit can take the node's memory until the kernel kills other pods.",
        "`resources … memory-limit=\"256Mi\"`";
    NoReadinessProbe = "no-readiness-probe", Warn,
        "a container behind a Service without a readiness probe",
        "without a readiness probe a pod receives traffic as soon as its process starts, before it can answer, and keeps receiving it when it cannot.",
        "`probe \"readiness\" http=\"/healthz\" port=\"http\"`";
    NoLivenessProbe = "no-liveness-probe", Warn,
        "a long-running container without a liveness probe",
        "a process that hangs without exiting is never restarted without a liveness probe.",
        "`probe \"liveness\" http=\"/healthz\" port=\"http\"`";
    RunAsRoot = "run-as-root", Warn,
        "a pod that does not set `runAsNonRoot: true`",
        "a container running as root turns a container escape into root on the node; `runAsNonRoot` makes the kubelet refuse an image that would run as root.",
        "`security run-as-non-root=#true` (with `run-as-user=` if the image has no non-root user)";
    WritableRootFs = "writable-root-fs", Warn,
        "a container without `readOnlyRootFilesystem: true`",
        "a writable root filesystem lets an attacker or a bug change the container's binaries; state belongs in volumes.",
        "`security read-only-root=#true`, with `volume \"tmp\" mount=\"/tmp\" empty-dir=#true` where the program writes";
    Privileged = "privileged", Warn,
        "a privileged container, or added dangerous capabilities (`SYS_ADMIN`, `NET_ADMIN`, `ALL`)",
        "a privileged container, or one with SYS_ADMIN, NET_ADMIN or ALL, has the node's kernel at its disposal.",
        "remove `privileged: true` and the capability from the manifest or patch that adds it";
    HostNamespaces = "host-namespaces", Warn,
        "`hostNetwork`, `hostPID` or `hostIPC`",
        "a pod in the node's network, process or IPC namespace sees and reaches everything on the node.",
        "remove `hostNetwork`, `hostPID` and `hostIPC` from the manifest or patch that sets them";
    HostPath = "host-path", Warn,
        "a `hostPath` volume",
        "a hostPath volume reads and writes the node's own files, outside any quota, and ties the pod to one node's contents.",
        "use a `volume` with `size=` (a PersistentVolumeClaim), `empty-dir=#true`, a ConfigMap or a Secret";
    SingleReplica = "single-replica", Warn,
        "a Deployment or StatefulSet with fewer than 2 replicas and no HPA",
        "one replica means downtime at every rollout, node drain and crash.",
        "`replicas 2`, or `autoscale min=2 max=…`";
    NoPdb = "no-pdb", Warn,
        "2 or more replicas and no PodDisruptionBudget",
        "without a PodDisruptionBudget a node drain may evict every replica at once.",
        "`pdb max-unavailable=1`";
    NoSpread = "no-spread", Warn,
        "2 or more replicas without anti-affinity or topology spread",
        "replicas the scheduler puts on one node all go down with it.",
        "`spread-across-nodes #true`";
    DanglingService = "dangling-service", Warn,
        "a Service whose selector matches no pod of the env",
        "a Service that selects no pod has no endpoints: every connection to it fails.",
        "make the Service's selector match the labels of a pod template in the same namespace";
    DanglingIngress = "dangling-ingress", Warn,
        "an Ingress backend naming a Service or port that does not exist in the env",
        "an Ingress backend without its Service or port answers every request with an error.",
        "name a Service of the env (in the Ingress's namespace) and one of its ports";
    EnvSecretLiteral = "env-secret-literal", Deny,
        "a credential-like variable set from a literal",
        "a password in an `env` value lands in the gitops repository in plain text. kiln reports it as the error `kiln::render::plaintext_secret`, whatever the lint settings say.",
        "`secret-env \"NAME\" secret=\"…\" key=\"…\"`, or `allow-plaintext=#true` on the `env` if it is not secret";
}

/// The rule with this id.
pub fn rule(id: RuleId) -> &'static Rule {
    &RULES[id as usize]
}

/// The rule a user names, if there is one.
pub fn by_name(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_sits_at_its_id() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.id as usize, i, "{}", r.name);
            assert_eq!(r.code, format!("kiln::lint::{}", r.name));
            assert_eq!(by_name(r.name).map(|b| b.id), Some(r.id));
        }
    }

    #[test]
    fn levels_read_back() {
        for n in Level::NAMES {
            assert_eq!(Level::parse(n).map(Level::name), Some(n));
        }
        assert_eq!(Level::parse("error"), None);
    }

    #[test]
    fn only_the_secret_rule_is_fixed() {
        let fixed: Vec<&str> = RULES
            .iter()
            .filter(|r| !r.configurable())
            .map(|r| r.name)
            .collect();
        assert_eq!(fixed, ["env-secret-literal"]);
        assert!(
            RULES
                .iter()
                .all(|r| r.configurable() == (r.default == Level::Warn))
        );
    }
}

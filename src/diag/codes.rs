//! Every diagnostic code kiln can emit, with the explanation the README and
//! SARIF rules show.

/// A stable diagnostic code and its one-line explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code(pub &'static str, pub &'static str);

macro_rules! codes {
    ($($name:ident = $code:literal, $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub const $name: Code = Code($code, $doc);
        )*
        /// All codes, in the order they are declared.
        pub const CODES: &[Code] = &[$($name),*];
    };
}

codes! {
    NO_PROJECT = "kiln::syntax::no_project", "no `kiln.kdl` in the project directory or any parent";
    READ = "kiln::syntax::read", "a project file could not be read, or is not UTF-8";
    PARSE = "kiln::syntax::parse", "a file is not valid KDL 2.0";
    KDL_V1 = "kiln::syntax::kdl_v1", "a file is valid KDL 1.0 but not 2.0: `true` is spelled `#true` in 2.0";
    UNKNOWN_NODE = "kiln::check::unknown_node", "a node kiln does not know at this place";
    DUPLICATE = "kiln::check::duplicate", "two definitions with the same name (apps, envs, flavors, components, properties)";
    PROJECT = "kiln::check::project", "`project` is missing, repeated, or outside `kiln.kdl`";
    MALFORMED = "kiln::check::malformed", "a node has the wrong shape: a missing name, an argument too many, a child block where none is allowed";
    INVALID_NAME = "kiln::check::invalid_name", "a name that cannot be used in Kubernetes (apps: DNS-1035 labels of at most 53 characters)";
    UNKNOWN_COMPONENT = "kiln::check::unknown_component", "an app names a component that does not exist";
    UNKNOWN_FLAVOR = "kiln::check::unknown_flavor", "an env applies a flavor that does not exist";
    UNKNOWN_APP = "kiln::check::unknown_app", "an env overrides, or a `depends-on` names, an app that does not exist";
    UNKNOWN_ENV = "kiln::check::unknown_env", "an app's `envs` names an env that does not exist";
    APP_NOT_IN_ENV = "kiln::check::app_not_in_env", "an env overrides an app that the app's `envs` keeps out of that env";
    UNKNOWN_PARAM = "kiln::check::unknown_param", "a parameter the app's component does not declare";
    UNKNOWN_PROPERTY = "kiln::check::unknown_property", "a property the parameter does not declare";
    FLAVOR_PARAM = "kiln::check::flavor_param", "a flavor sets a parameter that no component declares";
    TYPE_MISMATCH = "kiln::check::type_mismatch", "a value of the wrong type (a quantity, duration, port, image, …)";
    MISSING_REQUIRED = "kiln::check::missing_required", "a required parameter, argument or property is missing";
    EXCLUSIVE = "kiln::check::exclusive", "mutually exclusive properties used together, or none of a required choice (a probe's action, a volume's source)";
    DUPLICATE_KEY = "kiln::check::duplicate_key", "two entries of a repeated parameter with the same key in one layer";
    REPEATED_PARAM = "kiln::check::repeated_param", "a single-valued parameter given twice in one block";
    SCHEMA = "kiln::check::schema", "a component definition is malformed (unknown type, unknown include, bad key)";
    CRD = "kiln::check::crd", "a `crds` file (or a CRD an app renders) that is not a CustomResourceDefinition, or whose schema kiln cannot read";
    RESERVED_COMPONENT = "kiln::check::reserved_component", "a project component takes a standard library component's name";
    PATH_OUTSIDE = "kiln::check::path_outside", "a path leads outside the project directory, after following symbolic links";
    LINT_SETTING = "kiln::check::lint_setting", "a `lint` or `lint-allow` names an unknown rule or level, or relaxes a rule that is always an error";
    FILE_NOT_FOUND = "kiln::check::file_not_found", "a file named by `file from=`, `manifest` or `template` does not exist";
    REFERENCE_DIR = "kiln::check::reference_dir", "a directory that checks a document (`chart vendored=DIR`) lacks a file it must hold (`Chart.yaml`), or holds a broken `values.yaml` or `values.schema.json`";
    BAD_SET = "kiln::resolve::bad_set", "a `--set APP.PARAM=VALUE` or `--var KEY=VALUE` flag that cannot be applied";
    TEMPLATE = "kiln::resolve::template", "a `{{ … }}` template in a string failed: an undefined name, a syntax error";
    VALUES_FILE = "kiln::resolve::values_file", "a file of values (`values from=FILE`) that is not YAML or not a map, or a `value` whose path or values are malformed";
    UNKNOWN_VALUE = "kiln::resolve::unknown_value", "a value path that a vendored chart does not have: not in its `values.yaml`, nor in its `values.schema.json`";
    VALUE_SCHEMA = "kiln::resolve::value_schema", "merged values that break a vendored chart's `values.schema.json`, or replace one of its maps with a single value";
    RENDER_TEMPLATE = "kiln::render::template", "a component's template failed while rendering an app";
    RENDER_YAML = "kiln::render::yaml", "a template or manifest produced text that is not YAML";
    MISSING_FIELD = "kiln::render::missing_field", "a rendered object lacks `apiVersion`, `kind` or `metadata.name`";
    INVALID_OBJECT = "kiln::render::invalid_object", "a rendered object does not match the Kubernetes API or its CRD (unknown or mistyped field, a broken rule)";
    UNKNOWN_KIND = "kiln::render::unknown_kind", "an object of a group no CRD defines (built in, in `crds`, or rendered by an app of the env)";
    DEPRECATED = "kiln::render::deprecated", "an object uses a version its CRD marks deprecated (a warning)";
    DUPLICATE_OBJECT = "kiln::render::duplicate_object", "two objects with the same kind, namespace and name in one env";
    PLAINTEXT_SECRET = "kiln::render::plaintext_secret", "a credential in plain text: a Secret with data (a `sops=` file not wholly encrypted, a plain Secret as `sealed=`), or an `env` value named like a password";
    SECRET_FILE = "kiln::render::secret_file", "a `secret … sops=` file that is not one SOPS-encrypted Secret (or encrypts its kind or name), or a `sealed=` file that is not a SealedSecret";
    SECRET_MISMATCH = "kiln::render::secret_mismatch", "a SealedSecret or SOPS Secret whose name or namespace is not where the app deploys it: it would never decrypt there";
    SECRET_KEY = "kiln::render::secret_key", "a `secret-env` (or other reference) names a key that the Secret the env delivers does not have";
    PATCH = "kiln::render::patch", "a `patch` whose target object or path does not exist";
    OUTPUT = "kiln::render::output", "the rendered output could not be written (no permission, a full disk), or an env's folder is taken by something kiln did not write (a file, a link, a directory without `kustomization.yaml`); nothing was changed";
    NOT_DEPLOYED = "kiln::order::not_deployed", "an app `depends-on` an app that the env does not deploy";
    CYCLE = "kiln::order::cycle", "apps that depend on each other in a cycle, declared or implied by CRDs: none could ever be applied";
    NOT_KEPT = "kiln::order::not_kept", "`depends-on` or an app's own `flux` in an env without a Flux Kustomization per app, where they cannot be kept (a warning)";
    EDIT_ARGUMENT = "kiln::edit::argument", "a `kiln set image` argument that cannot be applied: an unknown app, an app named twice, an env the app is not deployed to";
    EDIT_NO_FIT = "kiln::edit::no_fit", "a new image reference that does not fit the template its image is written with";
    EDIT_CONFLICT = "kiln::edit::conflict", "two images share a var, and their new references need different values for it";
    EDIT_BROKEN = "kiln::edit::broken", "the edited project would not check, or would not run the new image: nothing was written";
    IMPORT_READ = "kiln::import::read", "an input of `kiln import` could not be read, is not YAML, or holds a document that is not a Kubernetes object";
    IMPORT_EMPTY = "kiln::import::empty", "an env's input to `kiln import` holds no Kubernetes object (an empty file, only comments or `---`): nothing to import";
    IMPORT_KUSTOMIZATION = "kiln::import::kustomization", "an input of `kiln import` holds a kustomization, which import does not build: pass `kubectl kustomize` output instead";
    IMPORT_DUPLICATE = "kiln::import::duplicate", "two objects with the same kind, namespace and name in one env's input";
    IMPORT_SECRET = "kiln::import::secret", "a Secret with data in the input: left out of the imported project, never written in plain text";
    IMPORT_CREDENTIAL = "kiln::import::credential", "an input container has a plain-text `env` value named like a credential: imported as it is, with `allow-plaintext=#true`";
    IMPORT_SELECTOR = "kiln::import::selector", "an existing workload's selector that no standard component can keep (`matchExpressions`, or labels its pods do not carry)";
    IMPORT_MANIFEST_APP = "kiln::import::manifest_app", "a workload imported as plain manifests rather than through a component (its name is not a valid app name, or a value its component requires is not one kiln accepts)";
    IMPORT_DIFFERENCE = "kiln::import::difference", "the imported project would render an object differently from the input: the object, the JSON path, before and after";
    IMPORT_OUTPUT = "kiln::import::output", "the imported project could not be written, or `--out` holds files already (without `--force`)";
    USAGE = "kiln::cli::usage", "the command line lacks something the command needs (such as a gitops repository), names something unusable (an `--out` that is a file), or gives an argument in a form the command does not take (`kiln set image web!=…`, `kiln import --env dev`)";
    INTERNAL = "kiln::internal", "kiln itself failed: please report it";
}

//! Lint's view of one rendered app: its finished objects, each with where
//! lint reports what it decides (kept out of `renderer.rs`, which renders).

use super::renderer::Object;
use crate::check::Model;
use crate::lint;
use crate::resolve::Resolved;
use crate::span::Sources;

impl Object {
    /// Where lint reports what this object decides.
    fn lint_origin(&self) -> lint::Origin {
        match self.manifest {
            Some(node) => lint::Origin::Manifest {
                file: self.origin,
                node,
            },
            None => lint::Origin::Template(self.origin),
        }
    }
}

/// Inspects one app's objects, rendered without errors, for lint; `None`
/// when its component is missing (which the checker reported).
pub(super) fn inspect(
    model: &Model,
    resolved: &Resolved,
    objects: &[Object],
    sources: &Sources,
) -> Option<lint::Inspected> {
    let component = model.components.get(&resolved.component)?;
    let input = lint::AppInput {
        app: resolved,
        component,
        sources,
    };
    Some(lint::inspect(
        &input,
        objects.iter().map(|o| (&o.value, o.lint_origin())),
    ))
}

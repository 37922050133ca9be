//! `kiln man [DIR]`: man pages generated from the same clap definitions as
//! `--help`, so they cannot drift.

use std::path::PathBuf;

use clap::Args;

use super::{Context, EXIT_ERRORS};

/// `kiln man` flags.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write `kiln.1` and `kiln-COMMAND.1` for each command here (default: print `kiln.1`)
    dir: Option<PathBuf>,
}

/// Prints `kiln.1`, or writes every page into the directory.
pub fn run(ctx: &Context, args: ManArgs, cmd: clap::Command) -> i32 {
    let Some(dir) = args.dir else {
        let mut out = Vec::new();
        if let Err(e) = clap_mangen::Man::new(cmd).render(&mut out) {
            eprintln!("error: cannot render the man page: {e}");
            return EXIT_ERRORS;
        }
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(&out);
        return 0;
    };
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| clap_mangen::generate_to(cmd, &dir))
    {
        eprintln!(
            "error: cannot write man pages into `{}`: {e}",
            dir.display()
        );
        return EXIT_ERRORS;
    }
    if !ctx.global.quiet {
        eprintln!("wrote man pages into {}", dir.display());
    }
    0
}

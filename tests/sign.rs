//! Signed commits through the binary, git sealed: `--sign` on every
//! writing command and `sign=#true` on the project's `gitops` node sign
//! with git's own configuration, using throwaway SSH and OpenPGP keys made
//! inside the sealed home. `git verify-commit` accepts every commit kiln
//! signs; a key that cannot sign stops the run before anything lands.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::stderr;

use common::EPOCH;
use common::world::World;

/// Writes the git configuration kiln and git run with from now on.
fn configure(w: &mut World, text: &str) -> PathBuf {
    let config = w.home().join("gitconfig");
    std::fs::write(&config, text).unwrap();
    w.set_var("GIT_CONFIG_GLOBAL", &config);
    config
}

/// A throwaway ed25519 key in the home, and git configured to sign with
/// it (`gpg.format = ssh`) and to trust it when verifying.
fn ssh_key(w: &mut World) {
    let key = w.home().join("signing-key");
    let made = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "bot@example.com",
            "-f",
        ])
        .arg(&key)
        .output()
        .expect("ssh-keygen runs");
    assert!(made.status.success(), "{}", stderr(&made));
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = w.home().join("allowed-signers");
    std::fs::write(&allowed, format!("bot@example.com {public}")).unwrap();
    configure(
        w,
        &format!(
            "[gpg]\n\tformat = ssh\n[user]\n\tsigningKey = {}\n[gpg \"ssh\"]\n\tallowedSignersFile = {}\n",
            key.with_extension("pub").display(),
            allowed.display()
        ),
    );
}

/// Stops the GnuPG agent a test started, whatever the test's outcome.
struct Agent(PathBuf);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "all"])
            .env("GNUPGHOME", &self.0)
            .output();
    }
}

/// A throwaway OpenPGP key in a GnuPG home of the world's, and git
/// configured to sign with it.
fn openpgp_key(w: &mut World) -> Agent {
    let gnupg = w.home().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let agent = Agent(gnupg.clone());
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .env("GNUPGHOME", &gnupg)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
            .expect("gpg runs");
        assert!(out.status.success(), "gpg {args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    gpg(&[
        "--quick-gen-key",
        "Release Bot <bot@example.com>",
        "ed25519",
        "sign",
        "never",
    ]);
    let listing = gpg(&["--with-colons", "--list-secret-keys"]);
    let fingerprint = listing
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').find(|f| !f.is_empty()))
        .expect("a fingerprint")
        .to_string();
    w.set_var("GNUPGHOME", &gnupg);
    configure(
        w,
        &format!("[gpg]\n\tformat = openpgp\n[user]\n\tsigningKey = {fingerprint}\n"),
    );
    agent
}

/// Every commit of the branch, oldest first.
fn commits(w: &World) -> Vec<String> {
    w.repo_git(&["rev-list", "--reverse", "main"])
        .lines()
        .map(str::to_string)
        .collect()
}

fn assert_verified(w: &World, repo: &Path, commit: &str) {
    let out = w.git_out(repo, &["verify-commit", commit]);
    assert!(
        out.status.success(),
        "git verify-commit {commit}: {}",
        stderr(&out)
    );
    assert_eq!(w.git_in(repo, &["log", "-1", "--format=%G?", commit]), "G");
}

#[test]
fn every_writing_command_signs_with_an_ssh_key() {
    let mut w = World::new();
    ssh_key(&mut w);
    let url = "https://git.example.com/acme/shop-gitops.git";
    let first = w.ok(EPOCH, &["commit", "--sign"]);
    w.ok(
        EPOCH + 60,
        &["commit", "--env", "staging", "--var", "tag=2.0.0", "--sign"],
    );
    let runs: &[&[&str]] = &[
        &[
            "promote",
            "--from",
            "staging",
            "--to",
            "production",
            "--sign",
        ],
        &[
            "rollback",
            "--env",
            "production",
            "--app",
            "web",
            "--to",
            &first,
            "--sign",
        ],
        &["preview", "up", "pr-1", "--env", "preview", "--sign"],
        &["preview", "down", "pr-1", "--sign"],
        &["preview", "up", "pr-2", "--env", "preview", "--sign"],
        &["preview", "gc", "--now", "2100-01-01T00:00:00Z", "--sign"],
        &["bootstrap", "--url", url, "--sign"],
    ];
    for (i, args) in runs.iter().enumerate() {
        w.ok(EPOCH + 120 + 60 * i as i64, args);
    }
    let all = commits(&w);
    assert_eq!(all.len(), 2 + runs.len(), "one commit per run");
    for c in &all {
        assert_verified(&w, &w.repo(), c);
    }
    w.fsck();
}

#[test]
fn sign_in_the_projects_gitops_node_signs_every_commit() {
    let mut w = World::new();
    ssh_key(&mut w);
    let kdl = w.project().join("kiln.kdl");
    let text = std::fs::read_to_string(&kdl).unwrap();
    std::fs::write(
        &kdl,
        text.replace("path=\"{env}\"", "path=\"{env}\" sign=#true"),
    )
    .unwrap();
    let c = w.ok(EPOCH, &["commit", "--env", "staging"]);
    assert_verified(&w, &w.repo(), &c);
    // Through a cache clone and a push, too.
    let pushed = w.ok(
        EPOCH + 60,
        &["commit", "--env", "staging", "--var", "tag=3.0.0", "--push"],
    );
    assert_verified(&w, &w.repo(), &pushed);
    w.fsck();
}

#[test]
fn openpgp_keys_sign_too() {
    let mut w = World::new();
    let _agent = openpgp_key(&mut w);
    let c = w.ok(EPOCH, &["commit", "--env", "staging", "--sign"]);
    assert!(
        w.repo_git(&["cat-file", "-p", &c])
            .contains("-----BEGIN PGP SIGNATURE-----")
    );
    assert_verified(&w, &w.repo(), &c);
    w.fsck();
}

#[test]
fn a_key_that_cannot_sign_stops_before_anything_lands() {
    let mut w = World::new();
    configure(
        &mut w,
        "[gpg]\n\tformat = ssh\n[user]\n\tsigningKey = /nonexistent/key.pub\n",
    );
    for push in [false, true] {
        let mut args = vec!["commit", "--sign"];
        if push {
            args.push("--push");
        }
        let out = w.kiln(&args);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("error[kiln::gitops::sign]: cannot sign the commit"),
            "{err}"
        );
        assert!(err.contains("nothing was pushed"), "{err}");
        assert!(w.repo_git(&["for-each-ref"]).is_empty(), "nothing landed");
    }
    // Without --sign the same configuration commits, unsigned.
    let c = w.ok(EPOCH, &["commit"]);
    assert!(!w.repo_git(&["cat-file", "-p", &c]).contains("gpgsig"));
    w.fsck();
}

//! Shared helpers: build a bundle directory from the seed fixture plus a variant's overlay
//! files (each a real `kubectl`/AWS CLI/workflow file that replaces or adds to the seed).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// The seed bundle with `variant`'s files laid over it.
pub fn bundle(variant: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("seed"), dir.path());
    if let Some(v) = variant {
        copy_tree(&fixtures().join("variants").join(v), dir.path());
    }
    dir
}

pub fn arcscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arcscope")).args(args).env("NO_COLOR", "1").output().expect("run arcscope")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

//! The output plan of a run, checked before any input is read: no output
//! may be an input, and no two outputs may be the same file.
//!
//! Files are compared by identity (device and inode), so `./in.jsonl`,
//! `sub/../in.jsonl`, a symbolic link, a hard link and a file found inside
//! an input folder are all recognised. An output that does not exist yet is
//! compared by its canonical folder and file name. Character devices
//! (`/dev/null`, a terminal) are exempt: writing one twice, or reading one
//! that is also written, loses nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::readers::list_folder;

/// What a path denotes, for comparison.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// An existing file: device and inode.
    File(u64, u64),
    /// A file yet to be created: its canonical folder and name.
    New(PathBuf),
}

#[cfg(unix)]
fn file_key(path: &Path) -> Option<(Key, bool)> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let m = std::fs::metadata(path).ok()?;
    Some((Key::File(m.dev(), m.ino()), m.file_type().is_char_device()))
}

#[cfg(not(unix))]
fn file_key(path: &Path) -> Option<(Key, bool)> {
    let real = std::fs::canonicalize(path).ok()?;
    Some((Key::New(real), false))
}

/// The key of an output path, and whether it is a character device.
fn output_key(path: &Path) -> (Key, bool) {
    if let Some(k) = file_key(path) {
        return k;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let key = match (std::fs::canonicalize(parent), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    };
    (Key::New(key), false)
}

/// An input of the run, as far as identity goes.
#[derive(Clone, Debug)]
pub enum Source {
    /// A file or folder (folders contribute every `.txt` file below them).
    Path(PathBuf),
    /// Standard input (the file or pipe it is).
    Stdin,
}

/// Refuse, naming both, any output (`(flag, path)`, such as
/// `("--output", "kept.jsonl")`) that is one of the inputs or the same file
/// as an earlier output.
pub fn check_outputs(inputs: &[Source], outputs: &[(&str, &Path)]) -> Result<()> {
    let mut read: HashMap<Key, PathBuf> = HashMap::new();
    for input in inputs {
        match input {
            Source::Stdin => {
                if let Some((k, false)) = file_key(Path::new("/dev/stdin")) {
                    read.insert(k, PathBuf::from("-"));
                }
            }
            Source::Path(p) if p.is_dir() => {
                for (_, file, _) in list_folder(p, None)? {
                    if let Some((k, false)) = file_key(&file) {
                        read.insert(k, file);
                    }
                }
            }
            Source::Path(p) => {
                if let Some((k, false)) = file_key(p) {
                    read.insert(k, p.clone());
                }
            }
        }
    }
    let mut written: HashMap<Key, (&str, &Path)> = HashMap::new();
    for &(flag, path) in outputs {
        let (key, device) = output_key(path);
        if device {
            continue;
        }
        if let Some(input) = read.get(&key) {
            return Err(Error::Unsupported {
                path: path.to_owned(),
                message: format!(
                    "{flag} is the same file as the input {}; writing it would destroy the input",
                    input.display()
                ),
            });
        }
        if let Some((other, first)) = written.get(&key) {
            return Err(Error::Unsupported {
                path: path.to_owned(),
                message: format!(
                    "{flag} is the same file as {other} {}; give each output its own file",
                    first.display()
                ),
            });
        }
        written.insert(key, (flag, path));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_that_are_inputs_or_each_other_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("in.jsonl"), "{}").unwrap();
        std::fs::write(d.join("sub/doc.txt"), "x").unwrap();
        let inputs = [
            Source::Path(d.join("in.jsonl")),
            Source::Path(d.join("sub")),
        ];
        let same = d.join("sub/../in.jsonl");
        let e = check_outputs(&inputs, &[("--output", &same)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--output is the same file as the input"), "{e}");
        let inside = d.join("sub/doc.txt");
        assert!(check_outputs(&inputs, &[("--report", &inside)]).is_err());
        let (a, b) = (d.join("new.jsonl"), d.join("sub/../new.jsonl"));
        let e = check_outputs(&inputs, &[("--output", &a), ("--removed", &b)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--removed is the same file as --output"), "{e}");
        let c = d.join("other.jsonl");
        check_outputs(&inputs, &[("--output", &a), ("--removed", &c)]).unwrap();
        let null = Path::new("/dev/null");
        check_outputs(&inputs, &[("--output", null), ("--removed", null)]).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_are_seen_through() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("in.jsonl"), "{}").unwrap();
        std::os::unix::fs::symlink(d.join("in.jsonl"), d.join("link.jsonl")).unwrap();
        std::fs::hard_link(d.join("in.jsonl"), d.join("hard.jsonl")).unwrap();
        let inputs = [Source::Path(d.join("in.jsonl"))];
        assert!(check_outputs(&inputs, &[("--output", &d.join("link.jsonl"))]).is_err());
        assert!(check_outputs(&inputs, &[("--output", &d.join("hard.jsonl"))]).is_err());
    }
}

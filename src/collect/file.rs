//! Reading a whole input file (the policy, the event payload) with a size cap.
//!
//! A path that is not a regular file is refused *before* it is opened: opening a named
//! pipe waits for a writer forever, and a device such as `/dev/zero` can be read forever.
//! Symbolic links are followed (the check is on what they point to). A regular file is
//! read up to its [`Input::max_bytes`], never further, so a huge file costs at most that
//! much memory.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One kind of input file: how it is named in errors, its size cap, and what to do when
/// it is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// What the file is, as the subject of a sentence: "the policy file".
    pub what: &'static str,
    /// The largest size read, in bytes.
    pub max_bytes: u64,
    /// What to do when the file does not exist.
    pub when_missing: &'static str,
}

/// The policy file: at most 1 MiB (the built-in policy is 3 KiB).
pub const POLICY: Input = Input {
    what: "the policy file",
    max_bytes: 1 << 20,
    when_missing: "create it (start from `slipgate policy check` output) or name an existing file",
};

/// The event payload (`GITHUB_EVENT_PATH`): at most 32 MiB (GitHub caps webhook
/// payloads at 25 MB).
pub const EVENT: Input = Input {
    what: "the event payload (GITHUB_EVENT_PATH)",
    max_bytes: 32 << 20,
    when_missing: "check --event-path or GITHUB_EVENT_PATH",
};

/// An input file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{} `{}` does not exist; {}", input.what, path.display(), input.when_missing)]
    NotFound { input: Input, path: PathBuf },
    #[error("{} `{}` is {kind}, not a regular file; name a regular file", input.what, path.display())]
    NotRegular {
        input: Input,
        path: PathBuf,
        kind: &'static str,
    },
    #[error("{} `{}` is larger than {} ({} bytes), the most slipgate reads; name a smaller file", input.what, path.display(), size_words(input.max_bytes), input.max_bytes)]
    TooLarge { input: Input, path: PathBuf },
    #[error("{} `{}` is not UTF-8 text; save it as UTF-8", input.what, path.display())]
    NotText { input: Input, path: PathBuf },
    #[error("cannot read {} `{}`", input.what, path.display())]
    Io {
        input: Input,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `1 MiB`, `32 MiB`, or a byte count.
fn size_words(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// What one pattern of [`glob_files`] matched.
#[derive(Debug, Default)]
pub struct Matched {
    /// The files it matched that no earlier pattern matched, with the name shown for each
    /// (the path relative to the base when it lies under it), in path order.
    pub files: Vec<(PathBuf, String)>,
    /// Every file it matched, repeated ones included (0: the pattern matched no file).
    pub count: usize,
    /// The directories it matched (skipped).
    pub directories: usize,
}

/// Expands file `patterns` (relative ones against `base`, whose own characters are not
/// pattern syntax): one [`Matched`] per pattern, in their order, each file once across
/// them. `*` does not cross `/` and does not match a leading `.`; an entry that cannot be
/// read is a warning. Fails with the index of a pattern that is not valid glob syntax.
pub fn glob_files(
    patterns: &[String],
    base: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<Matched>, (usize, glob::PatternError)> {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let base_text = base.to_string_lossy();
    let escaped = glob::Pattern::escape(&base_text);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(patterns.len());
    for (k, pattern) in patterns.iter().enumerate() {
        let full = if Path::new(pattern).is_absolute() || base_text.is_empty() {
            pattern.clone()
        } else {
            format!("{}/{}", escaped.trim_end_matches('/'), pattern)
        };
        let paths = glob::glob_with(&full, options).map_err(|e| (k, e))?;
        let mut m = Matched::default();
        for entry in paths {
            let path = match entry {
                Ok(path) => path,
                Err(e) => {
                    warnings.push(format!(
                        "could not read `{}` while expanding `{pattern}`: {}",
                        e.path().display(),
                        e.error()
                    ));
                    continue;
                }
            };
            if path.is_dir() {
                m.directories += 1;
                continue;
            }
            m.count += 1;
            let key = path.canonicalize().unwrap_or_else(|_| path.clone());
            if seen.insert(key) {
                let name = path.strip_prefix(base).unwrap_or(&path);
                let name = name.to_string_lossy().into_owned();
                m.files.push((path, name));
            }
        }
        out.push(m);
    }
    Ok(out)
}

/// Whether something exists at `path` (a dangling symbolic link counts): a file that is
/// found must then be usable.
pub fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Why [`open_regular`] did not open a file.
#[derive(Debug)]
pub enum OpenError {
    Io(std::io::Error),
    /// It is not a regular file: what it is, in words ([`special_kind`]).
    NotRegular(&'static str),
}

/// Opens the regular file at `path`, refusing anything else *before* opening it (a named
/// pipe would wait for a writer forever, a device be read forever). Symbolic links are
/// followed; the file opened is checked again, in case it was replaced in between.
pub fn open_regular(path: &Path) -> Result<File, OpenError> {
    let regular = |file_type: std::fs::FileType| match special_kind(file_type) {
        Some(kind) => Err(OpenError::NotRegular(kind)),
        None => Ok(()),
    };
    regular(std::fs::metadata(path).map_err(OpenError::Io)?.file_type())?;
    let file = File::open(path).map_err(OpenError::Io)?;
    regular(file.metadata().map_err(OpenError::Io)?.file_type())?;
    Ok(file)
}

/// Reads the regular file at `path` as UTF-8 text, at most `input.max_bytes` of it.
pub fn read_regular(path: &Path, input: Input) -> Result<String, FileError> {
    let io = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            if exists(path) {
                return FileError::NotRegular {
                    input,
                    path: path.to_path_buf(),
                    kind: "a symbolic link to nothing",
                };
            }
            return FileError::NotFound {
                input,
                path: path.to_path_buf(),
            };
        }
        FileError::Io {
            input,
            path: path.to_path_buf(),
            source,
        }
    };
    let file = open_regular(path).map_err(|e| match e {
        OpenError::Io(source) => io(source),
        OpenError::NotRegular(kind) => FileError::NotRegular {
            input,
            path: path.to_path_buf(),
            kind,
        },
    })?;
    let mut bytes = Vec::new();
    file.take(input.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > input.max_bytes {
        return Err(FileError::TooLarge {
            input,
            path: path.to_path_buf(),
        });
    }
    String::from_utf8(bytes).map_err(|_| FileError::NotText {
        input,
        path: path.to_path_buf(),
    })
}

/// What a file type that is not a regular file is, in words; none for a regular file.
pub fn special_kind(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Input = Input {
        what: "the test file",
        max_bytes: 8,
        when_missing: "create it",
    };

    #[test]
    fn reads_a_regular_file_up_to_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "12345678").unwrap();
        assert_eq!(read_regular(&path, SMALL).unwrap(), "12345678");
        std::fs::write(&path, "123456789").unwrap();
        let err = read_regular(&path, SMALL).unwrap_err();
        assert!(matches!(err, FileError::TooLarge { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "the test file `{}` is larger than 8 bytes (8 bytes), the most slipgate reads; name a smaller file",
                path.display()
            )
        );
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_regular(dir.path(), SMALL).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::NotRegular {
                    kind: "a directory",
                    ..
                }
            ),
            "{err:?}"
        );
        let missing = dir.path().join("missing");
        assert!(matches!(
            read_regular(&missing, SMALL).unwrap_err(),
            FileError::NotFound { .. }
        ));
        std::fs::write(dir.path().join("bad"), [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_regular(&dir.path().join("bad"), SMALL).unwrap_err(),
            FileError::NotText { .. }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_fifos_and_links_to_them_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        // /dev/zero would fill memory if read; a FIFO would block forever if opened.
        let err = read_regular(Path::new("/dev/zero"), POLICY).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::NotRegular {
                    kind: "a character device",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "the policy file `/dev/zero` is a character device, not a regular file; name a regular file"
        );
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read_regular(&link, EVENT).unwrap_err(),
            FileError::NotRegular {
                kind: "a character device",
                ..
            }
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(
                read_regular(&fifo, EVENT).unwrap_err(),
                FileError::NotRegular {
                    kind: "a named pipe (FIFO)",
                    ..
                }
            ));
        }
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nothing"), &dangling).unwrap();
        assert!(exists(&dangling));
        assert!(matches!(
            read_regular(&dangling, POLICY).unwrap_err(),
            FileError::NotRegular {
                kind: "a symbolic link to nothing",
                ..
            }
        ));
    }

    #[test]
    fn caps_are_the_documented_sizes() {
        assert_eq!(POLICY.max_bytes, 1_048_576);
        assert_eq!(EVENT.max_bytes, 33_554_432);
        assert_eq!(size_words(EVENT.max_bytes), "32 MiB");
    }
}

//! The program's standard output and standard error: every byte slipgate writes to
//! either goes through here (`clippy.toml` disallows `std::io::stdout`/`stderr`
//! elsewhere, and the crates deny `print!`/`println!`/`eprint!`/`eprintln!`).
//!
//! - Every line passes through [`escape::guard`], the last line of defence: no line,
//!   whatever data it carries, can start a workflow command on a GitHub Actions runner.
//!   slipgate's own workflow commands (annotations built by `publish::actions`) are the
//!   one exception and have their own, explicit function: [`command`].
//! - A closed pipe (`slipgate report | head -1`) is not an error and never a panic: the
//!   rest of the output is dropped quietly and the run ends with the exit code it
//!   would have had (a gate keeps its verdict).

use crate::escape;
use std::io::{self, IsTerminal, Write};

/// Where a line goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Writes `text` to standard output as it is, except that every line goes through
/// [`escape::guard`]. A closed pipe is success; any other failure (a full disk) is
/// returned.
pub fn print(text: &str) -> io::Result<()> {
    #[allow(clippy::disallowed_methods)]
    let mut out = io::stdout().lock();
    quiet_pipe(write_guarded(&mut out, text))
}

/// Writes one line (a line break is added) to standard error, through
/// [`escape::guard`]. Failures are dropped: there is nowhere left to report them.
pub fn eprint_line(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    #[allow(clippy::disallowed_methods)]
    let mut err = io::stderr().lock();
    let _ = write_guarded(&mut err, &text);
}

/// Writes one of slipgate's own workflow commands (an annotation line made by
/// `publish::actions`, whose data is already escaped there) to `to`, unguarded, so the
/// runner acts on it. Never pass other text here. Failures are dropped, like
/// [`eprint_line`].
pub fn command(to: Stream, line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let _ = match to {
        #[allow(clippy::disallowed_methods)]
        Stream::Stdout => write_raw(&mut io::stdout().lock(), &text),
        #[allow(clippy::disallowed_methods)]
        Stream::Stderr => write_raw(&mut io::stderr().lock(), &text),
    };
}

/// Whether standard output is a terminal (for colour).
pub fn stdout_is_terminal() -> bool {
    #[allow(clippy::disallowed_methods)]
    io::stdout().is_terminal()
}

/// `text` with every line (line breaks kept) through [`escape::guard`].
pub fn guarded(text: &str) -> String {
    escape::guard_lines(text).into_owned()
}

fn write_guarded(w: &mut impl Write, text: &str) -> io::Result<()> {
    write_raw(w, &guarded(text))
}

fn write_raw(w: &mut impl Write, text: &str) -> io::Result<()> {
    w.write_all(text.as_bytes())?;
    w.flush()
}

/// A broken pipe is the reader having seen enough: not an error.
fn quiet_pipe(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that went away after `room` bytes.
    struct ClosedAfter {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for ClosedAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.got.len() >= self.room {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room - self.got.len());
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_guarded_and_breaks_are_kept() {
        let mut out = Vec::new();
        write_guarded(
            &mut out,
            "RULE  STATUS\n::error::forged\n  ::set-output name=x::y\r\nok ##[group]z\nlast",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "RULE  STATUS\n<U+003A>:error::forged\n  <U+003A>:set-output name=x::y\r\nok ##<U+005B>group]z\nlast"
        );
        // The runner skips default-ignorable characters: this line is a command too.
        assert_eq!(
            guarded("x\n:\u{AD}:error::y\n"),
            "x\n<U+003A>\u{AD}:error::y\n"
        );
        assert_eq!(guarded("a :: b\n"), "a :: b\n");
    }

    #[test]
    fn a_closed_pipe_is_success_other_errors_are_not() {
        let mut w = ClosedAfter {
            room: 4,
            got: Vec::new(),
        };
        assert!(quiet_pipe(write_guarded(&mut w, "one\ntwo\n")).is_ok());
        assert_eq!(w.got, b"one\n");
        let full: io::Result<()> = Err(io::Error::other("disk full"));
        assert!(quiet_pipe(full).is_err());
    }

    #[test]
    fn commands_are_written_unguarded() {
        let mut out = Vec::new();
        write_raw(&mut out, "::error title=slipgate::x\n").unwrap();
        assert_eq!(out, b"::error title=slipgate::x\n");
    }
}

//! Error kinds and their exit codes (CONTRACT §4).

use crate::diagnostic::Diagnostic;

#[derive(Debug)]
pub enum Error {
    /// Bad input in the program: syntax, names, shapes. Exit 2.
    Program(Diagnostic),
    /// Bad use of the command line (`--wrt` naming nothing…). Exit 2.
    Usage(String),
    /// The numeric cross-check disagrees with a result. Exit 3.
    CheckFailed(String),
    /// A bug in matdiff. Exit 1.
    Internal(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Program(_) | Error::Usage(_) => 2,
            Error::CheckFailed(_) => 3,
            Error::Internal(_) => 1,
        }
    }
}

impl Error {
    /// The message as printed on standard error: a diagnostic with its
    /// places in `src` (prefixed with `origin`, the file it came from), or
    /// one line.
    pub fn render(&self, src: &str, origin: Option<&str>) -> String {
        match self {
            Error::Program(d) => {
                let text = d.render(src);
                match origin {
                    Some(file) => text.replacen(" --> ", &format!(" --> {file}:"), 1),
                    None => text,
                }
            }
            Error::Usage(m) | Error::CheckFailed(m) => format!("error: {m}"),
            Error::Internal(m) => {
                format!("internal error: {m}\nThis is a bug in matdiff; please report it with the program that caused it.")
            }
        }
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Error {
        Error::Program(d)
    }
}

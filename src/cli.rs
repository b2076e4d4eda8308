//! The command line: clap arguments → the program text and [`Options`].

use std::io::{IsTerminal, Read};

use clap::{Parser, ValueEnum};
use matdiff::{Format, Options};

const EXAMPLES: &str = "\
Examples:
  matdiff 's = σ(W x); E = 1/2 (s-y):(s-y)' --wrt W
      ∂E/∂W = (S − S²)(s − y)xᵀ, with S = Diag(s)
  matdiff 'f = x^T A x' --format latex
  matdiff 'f = logsumexp(x)' --hessian
  matdiff 's = σ(W x); E = 1/2 (s-y):(s-y)' --wrt W --steps   (the derivation, line by line)
  matdiff 'Y = U σ(W X + b 𝟙^T) + c 𝟙^T' --wrt X      (a Jacobian: Y is a matrix)
  matdiff -f examples/softmax-xent.mdiff --wrt x --format numpy > grad.py

Every result is checked against finite differences of the program before it
is printed; exit status 3 means it disagreed (a bug: please report it).
Exit status 2 is bad input: syntax, names, shapes, or options.";

/// Symbolic matrix calculus: gradients, Jacobians and Hessians of matrix
/// expressions, in LaTeX, Unicode or NumPy, checked numerically.
#[derive(Parser, Debug)]
#[command(name = "matdiff", version = env!("MATDIFF_VERSION"), after_help = EXAMPLES)]
pub struct Args {
    /// The program (statements separated by newlines or `;`), or a file
    /// holding it. Read from standard input when absent; on a terminal, an
    /// interactive session starts instead.
    pub program: Option<String>,

    /// Start an interactive session (the default with no program on a
    /// terminal): statements join the program one by one; `:help` lists
    /// the commands. The other options are its initial settings.
    #[arg(short = 'i', long = "interactive", conflicts_with_all = ["program", "file"])]
    pub interactive: bool,

    /// Read the program from this file.
    #[arg(short = 'f', long = "file", value_name = "FILE", conflicts_with = "program")]
    pub file: Option<std::path::PathBuf>,

    /// The variables to differentiate with respect to (comma-separated or
    /// repeated), as typed (`W_{01}`, `θ`) or as in NumPy (`W_01`, `theta`).
    /// Default: every variable the function depends on.
    #[arg(long, value_name = "NAMES")]
    pub wrt: Vec<String>,

    /// The definition to differentiate (default: the last one).
    #[arg(long, value_name = "NAME")]
    pub of: Option<String>,

    #[arg(long, value_enum, default_value_t = FormatArg::Unicode)]
    pub format: FormatArg,

    /// The Hessian ∂²f/∂vec(X)∂vec(X)ᵀ of a scalar function.
    #[arg(long)]
    pub hessian: bool,

    /// Show the derivation, line by line, in the differential method.
    #[arg(long)]
    pub steps: bool,

    /// Skip the numeric cross-check (on by default).
    #[arg(long, conflicts_with = "check")]
    pub no_check: bool,

    /// Run the numeric cross-check (the default; accepted for clarity).
    #[arg(long)]
    pub check: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    Latex,
    Unicode,
    Numpy,
    Json,
}

impl Args {
    pub fn options(&self) -> Options {
        let format = match self.format {
            FormatArg::Latex => Format::Latex,
            FormatArg::Unicode => Format::Unicode,
            FormatArg::Numpy => Format::Numpy,
            FormatArg::Json => Format::Json,
        };
        Options {
            wrt: self.wrt.clone(),
            of: self.of.clone(),
            format,
            hessian: self.hessian,
            check: !self.no_check,
            steps: self.steps,
        }
    }

    /// Whether to start an interactive session: asked for, or no program
    /// given with a terminal for standard input.
    pub fn interactive(&self) -> bool {
        self.interactive || (self.program.is_none() && self.file.is_none() && std::io::stdin().is_terminal())
    }

    /// The program text and, when it came from a file, the file's name
    /// (standard input, when neither gives a program).
    pub fn source(&self) -> Result<(String, Option<String>), String> {
        if let Some(path) = &self.file {
            return Ok((read(path)?, Some(path.display().to_string())));
        }
        match &self.program {
            // A lone argument that names a file is that file; one that looks
            // like a path but names nothing is a file that is missing (not a
            // program starting with `/`).
            Some(p) if !p.contains(['\n', ';', '=', ' ']) && (std::path::Path::new(p).is_file() || looks_like_a_path(p)) => {
                Ok((read(std::path::Path::new(p))?, Some(p.clone())))
            }
            Some(p) => Ok((p.clone(), None)),
            None => {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s).map_err(|e| format!("cannot read standard input: {e}"))?;
                Ok((s, None))
            }
        }
    }
}

/// A program argument that can only be meant as a file: it ends in
/// `.mdiff` or `.txt`, or starts like a path (`/`, `./`, `../`, `~/`).
fn looks_like_a_path(arg: &str) -> bool {
    [".mdiff", ".txt"].iter().any(|ext| arg.ends_with(ext)) || ["/", "./", "../", "~/"].iter().any(|p| arg.starts_with(p))
}

/// The text of a file, or why not, in the words of CONTRACT §4 (lowercase,
/// quoting what the user typed).
pub fn read(path: &std::path::Path) -> Result<String, String> {
    use std::io::ErrorKind;
    let shown = path.display();
    if path.is_dir() {
        return Err(format!("cannot read `{shown}`: it is a directory"));
    }
    std::fs::read_to_string(path).map_err(|e| {
        let why = match e.kind() {
            ErrorKind::NotFound => "no such file".to_string(),
            ErrorKind::PermissionDenied => "permission denied".to_string(),
            ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
            _ => e.to_string().to_lowercase(),
        };
        format!("cannot read `{shown}`: {why}")
    })
}

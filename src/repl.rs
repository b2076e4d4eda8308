//! The interactive session (CONTRACT §5): statements typed one by one join
//! a program; commands (`:wrt W`, `:format latex`, …) derive it or change
//! the options. [`Session`] is the state and every command, without a
//! terminal (its tests call it directly); [`run`] is the thin glue to
//! rustyline: line editing, history in a file, completion.
//!
//! A statement is checked when it is typed (parse and shapes, the front end
//! of `lib.rs::run`): an error is shown with a caret under the line just
//! typed and leaves the program as it was. Deriving is `matdiff::run_guarded`
//! on the program so far, with the session's options.

use std::path::{Path, PathBuf};

use matdiff::syntax::ast::Function;
use matdiff::{Format, Options};

/// What the session answers to one input: text for standard output, for
/// standard error, and whether to end.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub out: String,
    pub err: String,
    pub quit: bool,
}

impl Reply {
    fn say(&mut self, text: impl AsRef<str>) {
        push_line(&mut self.out, text.as_ref());
    }
    fn error(&mut self, text: impl AsRef<str>) {
        push_line(&mut self.err, text.as_ref());
    }
}

fn push_line(to: &mut String, text: &str) {
    to.push_str(text);
    if !text.ends_with('\n') {
        to.push('\n');
    }
}

/// The commands, with their arguments and what they do, as `:help` lists
/// them (and completion offers them).
const COMMANDS: &[(&str, &str, &str)] = &[
    (":wrt", "[NAMES]", "derive the last definition (or :of's) with respect to NAMES (default: every variable it uses)"),
    (":of", "[NAME]", "differentiate the definition NAME from now on (no NAME: the last definition)"),
    (":hessian", "", "toggle the Hessian (of a scalar function)"),
    (":steps", "", "toggle the derivation, line by line"),
    (":format", "F", "print results as unicode (the default), latex, numpy or json"),
    (":shapes", "", "the shape of every name, declared or inferred"),
    (":show", "", "the program so far, with its line numbers"),
    (":undo", "", "undo the last change to the program (a statement, :load or :reset)"),
    (":reset", "", "start again with an empty program"),
    (":load", "FILE", "replace the program by the one in FILE (its `# wrt:` lines set :wrt)"),
    (":save", "FILE", "write the program to FILE"),
    (":help", "", "this list"),
    (":quit", "", "leave (also Ctrl-D)"),
];

const FORMATS: &[(&str, Format)] =
    &[("unicode", Format::Unicode), ("latex", Format::Latex), ("numpy", Format::Numpy), ("json", Format::Json)];

/// The state of a session: the program so far and the options.
pub struct Session {
    /// The program, one line of text each.
    lines: Vec<String>,
    /// The programs before each change, for `:undo`.
    undo: Vec<Vec<String>>,
    options: Options,
    /// The options the session started with (`:reset` returns to them).
    initial: Options,
}

impl Session {
    pub fn new(options: Options) -> Session {
        Session { lines: Vec::new(), undo: Vec::new(), options: options.clone(), initial: options }
    }

    /// The program so far.
    pub fn source(&self) -> String {
        self.lines.iter().map(|l| format!("{l}\n")).collect()
    }

    /// Reads one input: a line as typed, or several pasted at once. Lines
    /// that start with `:` are commands; the others are statements, which
    /// join the program together, up to the next command. The first error
    /// stops the rest of the input.
    pub fn input(&mut self, text: &str) -> Reply {
        let mut reply = Reply::default();
        let mut statements = String::new();
        for line in text.lines() {
            if line.trim_start().starts_with(':') {
                if !self.add(&std::mem::take(&mut statements), &mut reply) {
                    return reply;
                }
                self.command(line.trim(), &mut reply);
                if reply.quit || !reply.err.is_empty() {
                    return reply;
                }
            } else {
                statements.push_str(line);
                statements.push('\n');
            }
        }
        self.add(&statements, &mut reply);
        reply
    }

    /// Adds statements to the program if, with them, it still parses and
    /// its shapes agree; says the shapes of the names they introduce.
    fn add(&mut self, statements: &str, reply: &mut Reply) -> bool {
        if statements.trim().is_empty() {
            return true;
        }
        let before = self.names();
        let mut lines = self.lines.clone();
        lines.extend(statements.lines().map(str::to_string));
        let candidate: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let shapes = match front_end(&candidate) {
            Ok(shapes) => shapes,
            Err(d) => {
                reply.error(matdiff::Error::from(d).render(&candidate, None));
                return false;
            }
        };
        self.undo.push(std::mem::replace(&mut self.lines, lines));
        let new: Vec<String> = declared(&shapes)
            .into_iter()
            .filter(|(name, _)| !before.contains(name))
            .map(|(name, shape)| format!("{name} : {shape}"))
            .collect();
        if !new.is_empty() {
            reply.say(new.join(", "));
        }
        true
    }

    fn command(&mut self, line: &str, reply: &mut Reply) {
        let (word, argument) = match line.split_once(char::is_whitespace) {
            Some((w, a)) => (w, a.trim()),
            None => (line, ""),
        };
        match word {
            ":wrt" => {
                let before = self.options.wrt.clone();
                if !argument.is_empty() {
                    self.options.wrt = vec![argument.to_string()];
                }
                // names that do not work are not kept
                if !self.derive(reply) {
                    self.options.wrt = before;
                }
            }
            ":of" if argument.is_empty() => {
                self.options.of = None;
                reply.say("differentiating the last definition");
            }
            ":of" => {
                // the names as the program spells them, once it has any
                let definitions: Vec<matdiff::name::Name> = match front_end(&self.source()) {
                    Ok(shapes) => shapes.definitions.keys().map(|d| matdiff::name::Name::new(d)).collect(),
                    Err(_) => Vec::new(),
                };
                match matdiff::name::resolve(argument, &definitions) {
                    Some(name) => {
                        self.options.of = Some(argument.to_string());
                        reply.say(format!("differentiating `{name}`"));
                    }
                    None if definitions.is_empty() => reply.error("error: :of names a definition, and the program has none yet"),
                    None => reply.error(format!(
                        "error: `{argument}` is not a definition of the program: its definitions are {}",
                        matdiff::name::list(&definitions)
                    )),
                }
            }
            ":hessian" => {
                self.options.hessian = !self.options.hessian;
                reply.say(format!("hessian: {}", on_off(self.options.hessian)));
            }
            ":steps" => {
                self.options.steps = !self.options.steps;
                reply.say(format!("steps: {}", on_off(self.options.steps)));
            }
            ":format" => match FORMATS.iter().find(|(name, _)| *name == argument) {
                Some((name, format)) => {
                    self.options.format = *format;
                    reply.say(format!("format: {name}"));
                }
                None if argument.is_empty() => {
                    let name = FORMATS.iter().find(|(_, f)| *f == self.options.format).map_or("?", |(n, _)| n);
                    reply.say(format!("format: {name} (:format unicode|latex|numpy|json to change it)"));
                }
                None => reply.error(format!("error: unknown format `{argument}`: it is one of unicode, latex, numpy, json")),
            },
            ":shapes" => match front_end(&self.source()) {
                _ if self.lines.is_empty() => reply.say("the program is empty"),
                Ok(shapes) => {
                    for (name, shape) in declared(&shapes) {
                        reply.say(format!("{name} : {shape}"));
                    }
                }
                Err(d) => reply.error(matdiff::Error::from(d).render(&self.source(), None)),
            },
            ":show" => {
                if self.lines.is_empty() {
                    reply.say("the program is empty");
                }
                let width = self.lines.len().to_string().len();
                for (i, line) in self.lines.iter().enumerate() {
                    reply.say(format!("{:>width$} | {line}", i + 1));
                }
            }
            ":undo" => match self.undo.pop() {
                Some(lines) => {
                    self.lines = lines;
                    reply.say(format!("undone: the program has {}", count_lines(self.lines.len())));
                }
                None => reply.error("error: nothing to undo"),
            },
            ":reset" => {
                self.undo.push(std::mem::take(&mut self.lines));
                self.options = self.initial.clone();
                reply.say("the program is empty (:undo brings it back)");
            }
            ":load" => self.load(argument, reply),
            ":save" => self.save(argument, reply),
            ":help" | ":h" | ":?" => reply.say(help()),
            ":quit" | ":q" | ":exit" => reply.quit = true,
            _ => {
                let known: Vec<&str> = COMMANDS.iter().map(|(c, _, _)| *c).collect();
                let close = known.iter().find(|c| c.starts_with(word) || word.starts_with(**c));
                let hint = close.map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
                reply.error(format!("error: unknown command `{word}`{hint}; :help lists the commands"));
            }
        }
    }

    /// `:wrt`: the derivative of the program so far; whether there is one.
    fn derive(&self, reply: &mut Reply) -> bool {
        if self.lines.is_empty() {
            reply.error("error: the program is empty: type a definition first, such as `f = x^T A x`");
            return false;
        }
        let src = self.source();
        match matdiff::run_guarded(&src, &self.options) {
            Ok(text) => reply.say(text),
            Err(e) => reply.error(in_session_words(&e.render(&src, None))),
        }
        reply.err.is_empty()
    }

    fn load(&mut self, file: &str, reply: &mut Reply) {
        if file.is_empty() {
            reply.error("error: :load needs a file: `:load examples/sigmoid-mse.mdiff`");
            return;
        }
        let text = match crate::cli::read(&expand_home(file)) {
            Ok(text) => text,
            Err(message) => return reply.error(format!("error: {message}")),
        };
        if let Err(d) = front_end(&text) {
            reply.error(matdiff::Error::from(d).render(&text, Some(file)));
            return;
        }
        self.undo.push(std::mem::replace(&mut self.lines, text.lines().map(str::to_string).collect()));
        // the file's header comments ask its question: `# wrt: W`, `# of: E`, `# hessian`
        let asked = Options::from_comments(&text);
        self.options.wrt = asked.wrt;
        self.options.of = asked.of;
        self.options.hessian = asked.hessian;
        let mut settings = Vec::new();
        if !self.options.wrt.is_empty() {
            settings.push(format!("wrt {}", self.options.wrt.join(", ")));
        }
        if let Some(of) = &self.options.of {
            settings.push(format!("of {of}"));
        }
        if self.options.hessian {
            settings.push("hessian".to_string());
        }
        let settings = if settings.is_empty() { String::new() } else { format!("; {}", settings.join("; ")) };
        reply.say(format!("loaded {file}: {}{settings} (:show lists it, :wrt derives it)", count_lines(self.lines.len())));
    }

    fn save(&self, file: &str, reply: &mut Reply) {
        if file.is_empty() {
            reply.error("error: :save needs a file: `:save mine.mdiff`");
            return;
        }
        match std::fs::write(expand_home(file), self.source()) {
            Ok(()) => reply.say(format!("saved {} to {file}", count_lines(self.lines.len()))),
            Err(e) => reply.error(format!("error: cannot write `{file}`: {}", e.to_string().to_lowercase())),
        }
    }

    /// The names of the program (its variables and definitions), or none
    /// while it does not check.
    pub fn names(&self) -> Vec<String> {
        front_end(&self.source()).map(|s| declared(&s).into_iter().map(|(name, _)| name).collect()).unwrap_or_default()
    }
}

/// Parse and shapes: what a statement must pass to join the program. A
/// panic there (a bug) refuses the statement rather than end the session.
fn front_end(src: &str) -> Result<matdiff::shape::infer::Shapes, matdiff::diagnostic::Diagnostic> {
    let checked = std::panic::catch_unwind(|| {
        let program = matdiff::syntax::parse(src)?;
        matdiff::shape::infer::infer(&program, src)
    });
    checked.unwrap_or_else(|_| {
        Err(matdiff::diagnostic::Diagnostic::new(
            "internal error while reading the program: this is a bug in matdiff, please report it",
        ))
    })
}

/// Every name with its shape, as a declaration writes it (`W : m×n`,
/// `x : n`, `α : scalar`): definitions, then variables.
fn declared(shapes: &matdiff::shape::infer::Shapes) -> Vec<(String, String)> {
    let written = |s: &matdiff::shape::Shape| {
        if s.is_scalar() {
            "scalar".to_string()
        } else if s.cols.is_one() {
            s.rows.to_string()
        } else {
            s.to_string()
        }
    };
    shapes.definitions.iter().chain(&shapes.variables).map(|(name, shape)| (name.clone(), written(shape))).collect()
}

/// A message of the pipeline in the session's words: its options are
/// commands here (`--wrt W` is `:wrt W`).
fn in_session_words(message: &str) -> String {
    ["wrt", "of", "hessian", "steps", "format"]
        .iter()
        .fold(message.to_string(), |text, option| text.replace(&format!("--{option}"), &format!(":{option}")))
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn count_lines(n: usize) -> String {
    if n == 1 { "1 line".into() } else { format!("{n} lines") }
}

/// `~/notes.mdiff` is in the home folder, as in a shell.
fn expand_home(file: &str) -> PathBuf {
    match (file.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(file),
    }
}

fn help() -> String {
    let mut out = String::from(
        "Type statements, one per line (or several, separated by `;` or pasted): \
         declarations `W : 5×4`, definitions `s = σ(W x)`, LaTeX too.\nCommands:\n",
    );
    for (command, argument, what) in COMMANDS {
        out += &format!("  {:<16}{what}\n", format!("{command} {argument}"));
    }
    out
}

/// Completion of the word before `pos`: a command at the start of the line,
/// a format after `:format`, else a name of the program or a function
/// (which comes with its `(`). The start of the word and the candidates.
pub fn complete(line: &str, pos: usize, names: &[String]) -> (usize, Vec<String>) {
    let before = &line[..pos];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == ':'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    let candidates: Vec<String> = if before.trim_start().starts_with(":format ") {
        FORMATS.iter().map(|(f, _)| f.to_string()).collect()
    } else if word.starts_with(':') {
        if before[..start].trim().is_empty() { COMMANDS.iter().map(|(c, _, _)| c.to_string()).collect() } else { Vec::new() }
    } else if word.is_empty() {
        Vec::new()
    } else {
        let functions = Function::SPELLINGS.iter().map(|(f, _)| format!("{f}("));
        let mut all: Vec<String> = names.iter().cloned().chain(functions).collect();
        all.sort();
        all.dedup();
        all
    };
    (start, candidates.into_iter().filter(|c| c.starts_with(word)).collect())
}

/// Where the history is kept: `$XDG_STATE_HOME/matdiff/history`, or
/// `~/.local/state/matdiff/history`; `None` if there is no such place (then
/// the session keeps none across sessions).
fn history_file() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local").join("state")))?;
    let folder = state.join("matdiff");
    std::fs::create_dir_all(&folder).ok()?;
    Some(folder.join("history"))
}

// ------------------------------------------------------- the rustyline glue

/// Completion with the program's names, refreshed after each input.
#[derive(Default)]
struct Helper {
    names: Vec<String>,
}

impl rustyline::completion::Completer for Helper {
    type Candidate = String;
    fn complete(&self, line: &str, pos: usize, _: &rustyline::Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(complete(line, pos, &self.names))
    }
}

impl rustyline::hint::Hinter for Helper {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Helper {}
impl rustyline::validate::Validator for Helper {}
impl rustyline::Helper for Helper {}

/// Runs a session on the terminal until `:quit`, Ctrl-D or the end of the
/// input.
pub fn run(options: Options) {
    let mut session = Session::new(options);
    let mut editor = match rustyline::Editor::<Helper, rustyline::history::DefaultHistory>::new() {
        Ok(editor) => editor,
        Err(e) => {
            eprintln!("error: cannot start the interactive session: {e}");
            std::process::exit(1);
        }
    };
    editor.set_helper(Some(Helper::default()));
    let mut history = history_file();
    if let Some(file) = &history {
        // a first session has no file yet
        let _ = editor.load_history(file);
    }
    println!("matdiff {}: type statements (`s = σ(W x)`), then `:wrt W`; :help lists the commands", env!("MATDIFF_VERSION"));
    loop {
        let line = match editor.readline("matdiff> ") {
            Ok(line) => line,
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(_) => break,
        };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
            if let Some(file) = &history
                && let Err(e) = editor.append_history(file)
            {
                eprintln!("note: the history is not kept: cannot write {}: {e}", file.display());
                history = None;
            }
        }
        let reply = session.input(&line);
        crate::print_out(&reply.out);
        eprint!("{}", reply.err);
        if reply.quit {
            break;
        }
        if let Some(helper) = editor.helper_mut() {
            helper.names = session.names();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(Options::default())
    }

    #[test]
    fn the_seed_derivation_line_by_line() {
        let mut s = session();
        let r = s.input("s = σ(W x)");
        assert_eq!(r.err, "");
        assert!(r.out.starts_with("s : "), "{r:?}");
        assert!(r.out.contains("W : ") && r.out.contains("x : "), "{r:?}");
        assert_eq!(s.input("E = 1/2 (s-y):(s-y)").err, "");
        let r = s.input(":wrt W");
        assert_eq!(r.err, "");
        assert!(r.out.contains("∂E/∂W = (S − S²)(s − y)xᵀ"), "{}", r.out);
        assert!(r.out.contains("checked:"), "{}", r.out);
        // the same with the format changed
        assert_eq!(s.input(":format latex").out, "format: latex\n");
        let r = s.input(":wrt W");
        assert!(r.out.contains("\\frac{\\partial E}{\\partial W}"), "{}", r.out);
    }

    #[test]
    fn an_error_leaves_the_program_as_it_was() {
        let mut s = session();
        s.input("s = σ(W x)");
        let before = s.source();
        let r = s.input("E = 1/2 (s-y):(s-y");
        assert_eq!(r.out, "");
        assert!(r.err.starts_with("error: "), "{r:?}");
        // the caret is under the line just typed, line 2 of the program
        assert!(r.err.contains("2 | E = 1/2 (s-y):(s-y"), "{}", r.err);
        assert!(r.err.contains('^'), "{}", r.err);
        assert_eq!(s.source(), before);
        // a shape contradiction with an earlier line is refused too
        let r = s.input("f = W : x");
        assert!(r.err.starts_with("error: "), "{r:?}");
        assert_eq!(s.source(), before);
        assert_eq!(s.input("E = 1/2 (s-y):(s-y)").err, "");
        assert!(s.input(":wrt x").out.contains("∂E/∂x"));
    }

    #[test]
    fn pasted_lines() {
        let mut s = session();
        let r = s.input("s = σ(W x); E = 1/2 (s-y):(s-y)\n:wrt W\n");
        assert_eq!(r.err, "");
        assert!(r.out.contains("∂E/∂W"), "{}", r.out);
        // several lines pasted: one change, undone at once
        let mut s = session();
        s.input("A : 3×3\nf = x^T A x\n");
        assert_eq!(s.source(), "A : 3×3\nf = x^T A x\n");
        s.input(":undo");
        assert_eq!(s.source(), "");
        // an error in a paste stops it there
        let r = s.input("f = x^T A x\n:wrt x\nf = (\n:quit\n");
        assert!(r.out.contains("∂f/∂x"), "{r:?}");
        assert!(r.err.starts_with("error: "), "{r:?}");
        assert!(!r.quit);
    }

    #[test]
    fn commands() {
        let mut s = session();
        assert!(s.input(":wrt").err.contains("the program is empty"));
        s.input("A : 3×3");
        s.input("f = x^T A x");
        s.input("g = sum(A x)");
        assert_eq!(s.input(":show").out, "1 | A : 3×3\n2 | f = x^T A x\n3 | g = sum(A x)\n");
        assert_eq!(s.input(":shapes").out, "f : scalar\ng : scalar\nx : 3\nA : 3×3\n");
        assert_eq!(s.input(":of f").out, "differentiating `f`\n");
        assert_eq!(s.input(":hessian").out, "hessian: on\n");
        assert!(s.input(":wrt x").out.contains("∂²f/∂x∂xᵀ"));
        assert_eq!(s.input(":hessian").out, "hessian: off\n");
        assert_eq!(s.input(":steps").out, "steps: on\n");
        assert!(s.input(":wrt x").out.contains("df = "));
        s.input(":steps");
        assert_eq!(s.input(":of").out, "differentiating the last definition\n");
        assert!(s.input(":wrt A").out.contains("∂g/∂A"));
        assert!(s.input(":format tex").err.contains("unknown format `tex`"));
        // errors in the session's words, and names checked as they are typed
        let r = s.input(":wrt Q");
        assert!(r.err.starts_with("error: `:wrt Q` names no variable of the program"), "{r:?}");
        let r = s.input(":of Z");
        assert_eq!(r.err, "error: `Z` is not a definition of the program: its definitions are f, g\n");
        assert!(s.input(":wrt").out.contains("∂g/∂A"), "a wrong :wrt or :of changes nothing");
        assert!(s.input(":wrtt").err.contains("did you mean `:wrt`?"));
        s.input(":undo");
        assert_eq!(s.source(), "A : 3×3\nf = x^T A x\n");
        s.input(":reset");
        assert_eq!(s.input(":show").out, "the program is empty\n");
        s.input(":undo");
        assert_eq!(s.source(), "A : 3×3\nf = x^T A x\n");
        assert!(s.input(":help").out.contains(":save FILE"));
        assert!(s.input(":quit").quit);
    }

    #[test]
    fn load_and_save() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let example = root.join("examples/sigmoid-mse.mdiff");
        let mut s = session();
        let r = s.input(&format!(":load {}", example.display()));
        assert_eq!(r.err, "");
        assert!(r.out.contains("wrt W"), "{}", r.out);
        assert!(s.input(":wrt").out.contains("∂E/∂W"));
        let copy = std::env::temp_dir().join(format!("matdiff-repl-{}.mdiff", std::process::id()));
        assert_eq!(s.input(&format!(":save {}", copy.display())).err, "");
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), std::fs::read_to_string(&example).unwrap());
        let _ = std::fs::remove_file(&copy);
        let r = s.input(":load no/such/file.mdiff");
        assert!(r.err.contains("cannot read `no/such/file.mdiff`: no such file"), "{r:?}");
        assert!(s.source().contains("σ"));
    }

    #[test]
    fn completion() {
        let names = vec!["W_1".to_string(), "s".to_string()];
        assert_eq!(complete(":fo", 3, &names), (0, vec![":format".to_string()]));
        assert_eq!(complete(":format la", 10, &names), (8, vec!["latex".to_string()]));
        assert_eq!(complete("f = soft", 8, &names), (4, vec!["softmax(".to_string(), "softplus(".to_string()]));
        assert_eq!(complete("f = W_", 6, &names), (4, vec!["W_1".to_string()]));
        assert_eq!(complete("f = ", 4, &names), (4, vec![]));
        let mut s = session();
        s.input("s = σ(W x)");
        assert_eq!(s.names(), ["s", "W", "x"]);
    }
}

//! The interactive session (CONTRACT §5) driven through a real
//! pseudo-terminal (rexpect), as a person types: the seed derivation built
//! line by line, an error in the middle and the recovery, history recalled
//! with the up arrow in a later session, `:format latex`, `:load` of an
//! example, a paste of several lines. On standard input that is not a
//! terminal, matdiff still reads a whole program.
//!
//! Each session keeps its history in a folder of its own
//! (`XDG_STATE_HOME`), never the user's.

use std::path::{Path, PathBuf};
use std::process::Command;

use rexpect::session::PtySession;

const PROMPT: &str = "matdiff> ";
const UP: &str = "\x1b[A";

/// rexpect reads the terminal a byte at a time, each byte a `char`: what it
/// is to find, spelled that way.
fn as_read(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// What rexpect read, as UTF-8 again.
fn utf8(read: &str) -> String {
    String::from_utf8_lossy(&read.chars().map(|c| c as u8).collect::<Vec<u8>>()).into_owned()
}

/// Waits for `expected`; what came before it.
fn expect(p: &mut PtySession, expected: &str) -> String {
    match p.exp_string(&as_read(expected)) {
        Ok(before) => utf8(&before),
        Err(e) => panic!("no {expected:?} on the terminal: {}", utf8(&e.to_string())),
    }
}

/// A fresh folder for a test's history.
fn state_folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("matdiff-repl-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// `matdiff` with no program on a terminal, its history in `state`.
fn start(state: &Path) -> PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_matdiff"));
    command.env("XDG_STATE_HOME", state).env("TERM", "xterm").current_dir(env!("CARGO_MANIFEST_DIR"));
    let options = rexpect::reader::Options::new().timeout_ms(Some(20_000)).strip_ansi_escape_codes(true);
    let mut p = rexpect::spawn_with_options(command, options).expect("matdiff starts on a pseudo-terminal");
    expect(&mut p, ":help lists the commands");
    expect(&mut p, PROMPT);
    p
}

/// Types `keys` and Enter, and waits for everything up to `expected`.
fn type_line(p: &mut PtySession, keys: &str, expected: &str) -> String {
    p.send(keys).expect("typing");
    p.send("\r").expect("Enter");
    p.flush().expect("flushed");
    expect(p, expected)
}

fn quit(mut p: PtySession) {
    p.send(":quit\r").expect("typing");
    p.flush().expect("flushed");
    p.exp_eof().expect("the session ends");
}

#[test]
fn the_seed_derivation_line_by_line_with_an_error_in_the_middle() {
    let state = state_folder("seed");
    let mut p = start(&state);
    type_line(&mut p, "s = σ(W x)", "s : m, W : m×n, x : n");
    // a typo: the caret under the line just typed, the program unchanged
    let error = type_line(&mut p, "E = 1/2 (s-y):(s-y", "^ expected `)`");
    assert!(error.contains("error: unclosed `(`"), "{error}");
    assert!(error.contains("2 | E = 1/2 (s-y):(s-y"), "{error}");
    type_line(&mut p, ":show", "1 | s = σ(W x)");
    let shown = type_line(&mut p, ":help", "Commands:");
    assert!(!shown.contains("2 | "), "the line with the error joined the program: {shown}");
    // typed again, right
    type_line(&mut p, "E = 1/2 (s-y):(s-y)", "E : scalar, y : m");
    type_line(&mut p, ":wrt W", "∂E/∂W = (S − S²)(s − y)xᵀ");
    expect(&mut p, "checked: max relative error");
    type_line(&mut p, ":format latex", "format: latex");
    type_line(&mut p, ":wrt W", "\\frac{\\partial E}{\\partial W} &= (S - S^{2}) (s - y) x^{\\top}");
    expect(&mut p, "% checked: max relative error");
    quit(p);
}

#[test]
fn history_is_kept_across_sessions() {
    let state = state_folder("history");
    let mut p = start(&state);
    type_line(&mut p, "f = x^T A x", "f : scalar");
    quit(p);
    let history = std::fs::read_to_string(state.join("matdiff").join("history")).expect("a history file");
    assert!(history.contains("f = x^T A x"), "{history}");
    // a new session: the up arrow brings the line back (past `:quit`)
    let mut p = start(&state);
    type_line(&mut p, &UP.repeat(2), "f : scalar");
    type_line(&mut p, ":wrt x", "∂f/∂x = ");
    quit(p);
}

#[test]
fn load_an_example() {
    let state = state_folder("load");
    let mut p = start(&state);
    type_line(&mut p, ":load examples/sigmoid-mse.mdiff", "loaded examples/sigmoid-mse.mdiff: 6 lines; wrt W");
    type_line(&mut p, ":wrt", "∂E/∂W = (S − S²)(s − y)xᵀ");
    type_line(&mut p, ":load examples/nothing.mdiff", "cannot read `examples/nothing.mdiff`: no such file");
    quit(p);
}

/// A paste of several lines (bracketed paste, as terminals send it) joins
/// the program as one change.
#[test]
fn a_paste_of_several_lines() {
    let state = state_folder("paste");
    let mut p = start(&state);
    p.send("\x1b[200~A : 3×3\rf = x^T A x\r:wrt x\x1b[201~").expect("pasting");
    type_line(&mut p, "", "∂f/∂x = ");
    type_line(&mut p, ":undo", "undone: the program has 0 lines");
    quit(p);
}

#[test]
fn standard_input_that_is_not_a_terminal_is_a_program() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(["--wrt", "x"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("matdiff runs");
    use std::io::Write;
    child.stdin.take().expect("piped").write_all("A : 3×3\nf = x^T A x\n".as_bytes()).expect("written");
    let output = child.wait_with_output().expect("it ends");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && out.starts_with("∂f/∂x = "), "{out}");
}

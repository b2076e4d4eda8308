//! KaTeX itself, in strict mode: `tests/katex/render.js` run by Node, with
//! the KaTeX that `tests/katex/package-lock.json` pins, installed with
//! `npm ci` on first use. Unavailable is a failure, never a quiet skip: a
//! machine without Node.js builds the tests that need it ignored, with the
//! reason (`build.rs`, cfg `has_katex`), except in CI, where they run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What to do when KaTeX cannot run.
pub const HOW_TO_GET_IT: &str = "the LaTeX tests render with KaTeX under Node.js: install Node.js 18 or later with npm \
     (Debian: `apt-get install nodejs npm`), then run `npm ci --prefix tests/katex` in the repository (.ci/run does both); \
     set MATDIFF_NODE to use a `node` that is not on PATH";

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("katex")
}

/// The KaTeX version `tests/katex/package.json` pins.
fn pinned_version() -> String {
    let path = folder().join("package.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    json["dependencies"]["katex"].as_str().unwrap_or_else(|| panic!("{} pins no katex version", path.display())).to_string()
}

/// Installs the pinned KaTeX (`npm ci`, from the npm registry), once per
/// test process.
fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let npm = std::env::var("MATDIFF_NPM").unwrap_or_else(|_| "npm".to_string());
        let status = Command::new(&npm)
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(folder())
            .stdin(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run `{npm} ci` to install KaTeX ({e}): {HOW_TO_GET_IT}"));
        assert!(status.success(), "`{npm} ci` in tests/katex failed ({status}): {HOW_TO_GET_IT}");
    });
}

/// Renders each LaTeX string as the body of one display, with `displayMode`,
/// `throwOnError` and `strict: "error"`: the HTML, or KaTeX's message.
/// Panics, saying how to get it, when KaTeX is not there to ask.
pub fn render(bodies: &[&str]) -> Vec<Result<String, String>> {
    let installed = folder().join("node_modules").join("katex").join("package.json");
    if !installed.is_file() {
        install();
    }
    assert!(installed.is_file(), "KaTeX is not installed ({} is missing): {HOW_TO_GET_IT}", installed.display());
    let node = std::env::var("MATDIFF_NODE").unwrap_or_else(|_| "node".to_string());
    let mut child = Command::new(&node)
        .arg(folder().join("render.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{node}` ({e}): {HOW_TO_GET_IT}"));
    let input = serde_json::to_string(bodies).expect("strings serialize");
    let mut stdin = child.stdin.take().expect("piped stdin");
    // written from another thread: a large input could fill the pipe while
    // the child's output fills the other one
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("node runs to its end");
    writer.join().expect("the writer thread").expect("node reads its input");
    assert!(
        output.status.success(),
        "tests/katex/render.js failed ({}):\n{}\n{HOW_TO_GET_IT}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("tests/katex/render.js printed no JSON ({e}):\n{}", String::from_utf8_lossy(&output.stdout)));
    let version = reply["katex"].as_str().unwrap_or("unknown");
    let pinned = pinned_version();
    assert_eq!(
        version, pinned,
        "tests/katex has KaTeX {version}, but package.json pins {pinned}: run `npm ci --prefix tests/katex`"
    );
    let results = reply["results"].as_array().expect("a results array");
    assert_eq!(results.len(), bodies.len(), "one result per input");
    results
        .iter()
        .map(|r| match (r["ok"].as_bool(), r["html"].as_str(), r["error"].as_str()) {
            (Some(true), Some(html), _) => Ok(html.to_string()),
            (Some(false), _, Some(error)) => Err(error.to_string()),
            _ => panic!("tests/katex/render.js: malformed result {r}"),
        })
        .collect()
}

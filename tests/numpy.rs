//! `--format numpy` computes what it claims (CONTRACT §3): the module each
//! program prints is executed by Python, and what its `derivatives(**env)`
//! returns is compared with matdiff's own evaluation of the derivative at
//! the same point. That evaluation is the reference because `run` has
//! already checked it against finite differences of the program; what is
//! left to catch here is the printer: a wrong broadcast, precedence,
//! reshape or calling convention.
//!
//! The programs: `examples/*.mdiff`, the public acceptance cases
//! (`tests/latex/acceptance/`), one program per printed construct
//! (`tests/latex/constructs/`), programs for what the NumPy printer does
//! on its own (`tests/numpy/`: broadcasts instead of `Diag`, powers,
//! Jacobians with respect to scalars), each with the options of its header
//! comments (`# wrt: A, B`, `# of: NAME`, `# hessian`), and a few random
//! programs ([`Gen`]). One Python process runs them all ([`DRIVER`]).
//!
//! Python 3 with NumPy is required in CI (`CI` set); elsewhere its absence
//! is reported and the tests pass. `MATDIFF_PYTHON` names another
//! interpreter than `python3`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use matdiff::name::Name;
use matdiff::numeric::{Domain, Point, Rng, Value, draw_point, eval, infer_domains};
use matdiff::shape::Shape;
use matdiff::{Derived, Error, Format, Options};
use serde_json::{Value as Json, json};

/// The folders of programs, relative to the repository.
const FOLDERS: &[&str] = &["examples", "tests/latex/acceptance", "tests/latex/constructs", "tests/numpy"];

/// How many random programs are generated, and how many of them matdiff
/// must accept for the comparison to mean something.
const GENERATED: u64 = 20;
const GENERATED_AT_LEAST: usize = 15;

/// `max|got − want| / max(1, max|want|)` above this is a mismatch. Both
/// sides compute the same formula in double precision, in another order.
const TOLERANCE: f64 = 1e-6;

/// Points drawn before giving up on one inside every variable's domain;
/// after half of them, every variable is drawn positive (as the check does).
const ATTEMPTS: usize = 40;

/// Runs every case: `{"tolerance": t, "cases": [{"name", "module", "env",
/// "want"}]}` on standard input, `{name: [problem, …]}` on standard output
/// (an empty list for a case that passes). A case's arguments are NumPy
/// arrays (or floats for scalars), as a user would pass them; each result
/// must have exactly the shape of its expected value (a float for a
/// scalar, `(n,)` for a column vector, 2-D otherwise) and be within the
/// tolerance of it.
const DRIVER: &str = r#"
import json, sys, traceback
import numpy as np

def problems(case, tolerance):
    env = {k: v if isinstance(v, float) else np.array(v, dtype=float) for k, v in case["env"].items()}
    namespace = {"__name__": "matdiff_module"}
    try:
        exec(compile(case["module"], case["name"], "exec"), namespace)
        got = namespace["derivatives"](**env)
    except Exception:
        return ["raised " + traceback.format_exc().strip()]
    if not isinstance(got, dict):
        return [f"returns a {type(got).__name__}, not a dict"]
    want = case["want"]
    out = []
    if sorted(got) != sorted(want):
        out.append(f"returns the keys {sorted(got)}, expected {sorted(want)}")
    for name in sorted(set(got) & set(want)):
        w = np.asarray(want[name], dtype=float)
        try:
            g = np.asarray(got[name], dtype=float)
        except Exception as e:
            out.append(f"{name}: not an array of numbers: {e}")
            continue
        if g.shape != w.shape:
            out.append(f"{name}: shape {g.shape}, expected {w.shape}")
            continue
        error = np.max(np.abs(g - w)) / max(1.0, np.max(np.abs(w)))
        if not error <= tolerance:
            with np.printoptions(precision=6, suppress=True):
                out.append(f"{name}: relative error {error:.1e}\n  got  {g!r}\n  want {w!r}")
    return out

request = json.load(sys.stdin)
json.dump({c["name"]: problems(c, request["tolerance"]) for c in request["cases"]}, sys.stdout)
"#;

/// A program and the options it is differentiated with.
struct Program {
    /// The path from the repository's root (`examples/ridge.mdiff`), or
    /// `generated #k`.
    name: String,
    src: String,
    options: Options,
}

/// A program ready for Python: its module, the point, the expected results.
struct Case {
    program: Program,
    module: String,
    env: serde_json::Map<String, Json>,
    want: serde_json::Map<String, Json>,
}

// ---------------------------------------------------------------- programs

/// The options a program's comment lines give, in NumPy.
fn options_of(src: &str) -> Options {
    Options { format: Format::Numpy, ..Options::from_comments(src) }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every program of [`FOLDERS`], in order of path.
fn file_programs() -> Vec<Program> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for folder in FOLDERS {
        let entries = std::fs::read_dir(root().join(folder)).unwrap_or_else(|e| panic!("cannot read {folder}: {e}"));
        paths.extend(
            entries.map(|e| e.expect("a readable folder").path()).filter(|p| p.extension().is_some_and(|e| e == "mdiff")),
        );
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let name = path.strip_prefix(root()).expect("under the root").to_string_lossy().replace('\\', "/");
            Program { name, options: options_of(&src), src }
        })
        .collect()
}

/// The shape of a generated expression.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    /// `n×1`
    Vector,
    /// `m×1`
    VectorM,
    /// `n×n`
    Square,
    /// `n×m`
    Wide,
}

const DECLARATIONS: &str = "A : n×n\nC, D : n×m\nx, y : n\nu : m\nα : scalar\n";

/// A generator of small well-shaped programs, enough to mix what the
/// printer must get right: products (matrix, outer, by a scalar), sums and
/// differences (with negated terms), transposes, Hadamard products, σ, tanh
/// and exp, traces, Frobenius products, softmax, and a definition the
/// function uses. `tests/properties.rs` has a larger one, for the check.
struct Gen {
    rng: Rng,
    /// Whether `h` is defined yet (the leaves may use it once it is).
    has_h: bool,
}

impl Gen {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.below(items.len() as u64) as usize]
    }

    fn leaf(&mut self, kind: Kind) -> String {
        let names: &[&str] = match kind {
            Kind::Scalar => &["α", "2", "1/2"],
            Kind::Vector if self.has_h => &["x", "y", "h"],
            Kind::Vector => &["x", "y"],
            Kind::VectorM => &["u"],
            // sized: an unsized `I` alone would be a size no variable gives (an error)
            Kind::Square => &["A", "I_n"],
            Kind::Wide => &["C", "D"],
        };
        self.pick(names).to_string()
    }

    /// An expression of `kind` at most `depth` operators deep, in
    /// parentheses when compound (so juxtaposed operands stay operands).
    fn expr(&mut self, kind: Kind, depth: u32) -> String {
        if depth == 0 || self.rng.below(4) == 0 {
            return self.leaf(kind);
        }
        format!("({})", self.compound(kind, depth))
    }

    /// An expression of `kind` with an operator at the top, at most `depth`
    /// (at least 1) deep.
    fn compound(&mut self, kind: Kind, depth: u32) -> String {
        let d = depth - 1;
        match (kind, self.rng.below(7)) {
            (_, 0) => format!("{} + {}", self.expr(kind, d), self.expr(kind, d)),
            (_, 1) => format!("{} - {}", self.expr(kind, d), self.expr(kind, d)),
            (_, 2) => format!("{} {}", self.expr(Kind::Scalar, d), self.expr(kind, d)),
            (Kind::Scalar, 3) => format!("tr({})", self.expr(Kind::Square, d)),
            (Kind::Scalar, 4) => format!("{} : {}", self.expr(Kind::Wide, d), self.expr(Kind::Wide, d)),
            (Kind::Scalar, 5) => format!("{}^T softmax({})", self.expr(Kind::Vector, d), self.expr(Kind::Vector, d)),
            (Kind::Scalar, _) => {
                format!("{}^T {} {}", self.expr(Kind::Vector, d), self.expr(Kind::Square, d), self.expr(Kind::Vector, d))
            }
            (Kind::Vector, 3) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Vector, d)),
            (Kind::Vector, 4) => format!("{} {}", self.expr(Kind::Wide, d), self.expr(Kind::VectorM, d)),
            (Kind::Vector, 5) => format!("{} ∘ {}", self.expr(Kind::Vector, d), self.expr(Kind::Vector, d)),
            (Kind::VectorM, 3 | 4) => format!("{}^T {}", self.expr(Kind::Wide, d), self.expr(Kind::Vector, d)),
            (Kind::Square, 3) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Square, d)),
            (Kind::Square, 4) => format!("{}^T", self.expr(Kind::Square, d)),
            (Kind::Square, 5) => format!("{} {}^T", self.expr(Kind::Wide, d), self.expr(Kind::Wide, d)),
            (Kind::Wide, 3) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Wide, d)),
            (Kind::Wide, 4) => format!("{} {}^T", self.expr(Kind::Vector, d), self.expr(Kind::VectorM, d)),
            (Kind::Wide, 5) => format!("{} ∘ {}", self.expr(Kind::Wide, d), self.expr(Kind::Wide, d)),
            (_, _) => {
                let f = self.pick(&["σ", "tanh", "exp"]);
                format!("{f}({})", self.expr(kind, d))
            }
        }
    }

    /// A program: the definition `h` (a vector the leaves may use), then
    /// the function of `kind`.
    fn program(&mut self, kind: Kind) -> String {
        let h = self.compound(Kind::Vector, 2);
        self.has_h = true;
        let f = self.compound(kind, 3);
        format!("{DECLARATIONS}h = {h}\nf = {f}\n")
    }
}

/// [`GENERATED`] random programs, deterministic: mostly gradients, then
/// Jacobians of a vector and of a matrix, then Hessians.
fn generated_programs() -> Vec<Program> {
    (0..GENERATED)
        .map(|k| {
            let (kind, hessian) = match k % 10 {
                0..=4 => (Kind::Scalar, false),
                5 | 6 => (Kind::Vector, false),
                7 => (Kind::Wide, false),
                _ => (Kind::Scalar, true),
            };
            let src = Gen { rng: Rng::new(0x6e75_6d70_7900 + k), has_h: false }.program(kind);
            Program { name: format!("generated #{k}"), options: Options { hessian, ..options_of("") }, src }
        })
        .collect()
}

// ------------------------------------------------------ the reference side

/// A size for each named dimension: 2, 3 and 4 in a random order, so that
/// a transposition mistake changes a shape, then 5, 6, … if there are more.
/// Names are sorted first, so the draw does not depend on their order.
fn draw_sizes(dims: &[Name], rng: &mut Rng) -> HashMap<Name, usize> {
    let mut names = dims.to_vec();
    names.sort();
    names.dedup();
    let small = rng.permutation(3);
    names.into_iter().enumerate().map(|(i, n)| (n, small.get(i).map_or(i + 2, |&j| j + 2))).collect()
}

/// A point inside every variable's domain where the function and every
/// readable result are defined, with their values; drawn as
/// `numeric::check::check` draws, from a seed of the program's text.
fn point_and_results(d: &Derived, src: &str) -> Result<(Point, Vec<Value>), String> {
    let g = &d.graph;
    let f_root = g.info(d.derivative.of).def.expect("the function is a definition");
    let domains = infer_domains(g, &[f_root]);
    let mut rng = Rng::new(matdiff::numeric::check::seed_of(src));
    let mut roots = vec![f_root];
    roots.extend(d.derivative.entries.iter().map(|e| e.readable));
    let mut why = String::new();
    for attempt in 0..ATTEMPTS {
        let domains: HashMap<Name, Domain> = if attempt >= ATTEMPTS / 2 {
            d.variables.iter().map(|&v| (v, domains.get(&v).copied().unwrap_or_default().merge(Domain::Positive))).collect()
        } else {
            domains.clone()
        };
        let sizes = draw_sizes(&d.dims, &mut rng);
        let point = draw_point(g, &d.variables, &domains, &sizes, &mut rng);
        match eval(g, &roots, &point) {
            Ok(mut values) => {
                values.remove(0);
                return Ok((point, values));
            }
            Err(e) => why = e.to_string(),
        }
    }
    Err(format!("no point where the program and its derivative are defined ({why})"))
}

/// How a value is laid out in Python (CONTRACT §3).
#[derive(Clone, Copy)]
enum Layout {
    /// A float.
    Scalar,
    /// A 1-D array: a column vector.
    Flat,
    /// A 2-D array, as a list of rows.
    Rows,
}

fn layout_of(shape: &Shape) -> Layout {
    if shape.is_scalar() {
        Layout::Scalar
    } else if shape.is_column() {
        Layout::Flat
    } else {
        Layout::Rows
    }
}

fn to_json(v: &Value, layout: Layout) -> Json {
    match layout {
        Layout::Scalar => json!(v[(0, 0)]),
        Layout::Flat => json!(v.iter().collect::<Vec<_>>()),
        Layout::Rows => json!(v.row_iter().map(|r| r.iter().copied().collect::<Vec<f64>>()).collect::<Vec<_>>()),
    }
}

/// The case of `program`: `Ok(None)` for a generated program matdiff
/// rejects as input (no variable, no point where it is defined).
fn case_of(program: Program) -> Result<Option<Case>, String> {
    let failed = |e: &dyn std::fmt::Debug| format!("{}: matdiff fails: {e:?}\n{}", program.name, program.src);
    let module = match matdiff::run_guarded(&program.src, &program.options) {
        Ok(module) => module,
        // a generated program may be constant, say
        Err(e @ (Error::Usage(_) | Error::Program(_))) if program.name.starts_with("generated") => {
            println!("{}: not compared, matdiff rejects it: {e:?}\n{}", program.name, program.src);
            return Ok(None);
        }
        Err(e) => return Err(failed(&e)),
    };
    let derived = matdiff::derive(&program.src, &program.options).map_err(|e| failed(&e))?;
    let (point, results) = point_and_results(&derived, &program.src).map_err(|e| failed(&e))?;
    let g = &derived.graph;
    let python = |n: Name| n.parts().python();
    let env = derived.variables.iter().map(|&v| (python(v), to_json(&point.values[&v], layout_of(&g.info(v).shape)))).collect();
    let want = derived
        .derivative
        .entries
        .iter()
        .zip(&results)
        .map(|(e, value)| {
            let layout = match derived.derivative.kind {
                matdiff::diff::Kind::Gradient => layout_of(&g.info(e.wrt).shape),
                matdiff::diff::Kind::Jacobian | matdiff::diff::Kind::Hessian => Layout::Rows,
            };
            // a Hessian's cross block comes back under "x,y"
            let key = match e.cross {
                Some(y) => format!("{},{}", python(e.wrt), python(y)),
                None => python(e.wrt),
            };
            (key, to_json(value, layout))
        })
        .collect();
    Ok(Some(Case { program, module, env, want }))
}

// ---------------------------------------------------------- the Python side

/// The Python interpreter with NumPy, or `None` (after saying so) when
/// there is none; in CI there must be one.
fn python() -> Option<String> {
    let python = std::env::var("MATDIFF_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let found = Command::new(&python)
        .args(["-c", "import numpy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let how = "install Python 3 and NumPy (`apt-get install python3-numpy`, or `pip install numpy`), \
               or set MATDIFF_PYTHON to an interpreter that has it";
    assert!(found || std::env::var_os("CI").is_none(), "cannot run `{python} -c \"import numpy\"`: {how}");
    if !found {
        let note = format!("skipped: python3 with numpy not found: the NumPy modules were not run ({how})");
        eprintln!("note: {note}");
        let _ = std::fs::write(root().join("target").join("numpy-not-checked"), note);
    }
    found.then_some(python)
}

/// What [`DRIVER`] finds wrong with each case, by name.
fn run_driver(python: &str, cases: &[Case]) -> HashMap<String, Vec<String>> {
    let request = json!({
        "tolerance": TOLERANCE,
        "cases": cases.iter().map(|c| json!({
            "name": c.program.name, "module": c.module, "env": c.env, "want": c.want,
        })).collect::<Vec<_>>(),
    });
    let mut child = Command::new(python)
        .args(["-c", DRIVER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    // a driver that dies early closes its input: its standard error says why
    let _ = child.stdin.take().expect("piped").write_all(request.to_string().as_bytes());
    let output = child.wait_with_output().expect("the driver runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the driver failed ({}):\n{stderr}", output.status);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("the driver's output is not a JSON map of problems ({e}):\n{}", String::from_utf8_lossy(&output.stdout))
    })
}

// ------------------------------------------------------------------ tests

#[test]
fn every_numpy_module_computes_the_derivative() {
    let Some(python) = python() else { return };
    let files = file_programs();
    assert!(
        files.len() >= 40,
        "expected the examples, acceptance cases and constructs, found {} programs in {FOLDERS:?}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut cases = Vec::new();
    for program in files.into_iter().chain(generated_programs()) {
        match case_of(program) {
            Ok(Some(case)) => cases.push(case),
            Ok(None) => {}
            Err(why) => failures.push(why),
        }
    }
    let generated = cases.iter().filter(|c| c.program.name.starts_with("generated")).count();
    assert!(generated >= GENERATED_AT_LEAST, "only {generated} of {GENERATED} generated programs are accepted by matdiff");
    let problems = run_driver(&python, &cases);
    for case in &cases {
        let name = &case.program.name;
        let found = problems.get(name).unwrap_or_else(|| panic!("no verdict for {name}"));
        if !found.is_empty() {
            failures.push(format!(
                "{name}:\n{}\n--- the program:\n{}--- the module:\n{}",
                found.join("\n"),
                case.program.src,
                case.module
            ));
        }
    }
    println!("compared the NumPy modules of {} programs ({generated} generated)", cases.len());
    assert!(failures.is_empty(), "{} of {} programs:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

/// The negative control: modules spoiled in the ways a printer goes wrong
/// are each reported, and the unspoiled one is not.
#[test]
fn the_comparison_can_fail() {
    let Some(python) = python() else { return };
    let src = "X : n×n\nf = x^T X y + x^T X^T X x\n";
    let program = || Program { name: "control".into(), src: src.into(), options: options_of("# wrt: X, x") };
    let right = case_of(program()).expect("the control program derives").expect("and is accepted");
    // (the spoiled results, what the driver must say)
    let spoilers = [
        ("v", ""),
        ("1.01 * np.asarray(v)", "relative error"),
        ("np.asarray(v).T", "relative error"),
        ("np.reshape(v, -1)", "X: shape ("),
        ("np.reshape(v, (-1, 1))", "x: shape ("),
        ("v[::-1]", "relative error"),
    ];
    let cases: Vec<Case> = spoilers
        .iter()
        .enumerate()
        .map(|(i, (spoiled, _))| Case {
            program: Program { name: format!("control {i}: {spoiled}"), ..program() },
            module: format!(
                "{}\n_right = derivatives\n\ndef derivatives(**env):\n    return {{k: {spoiled} for k, v in _right(**env).items()}}\n",
                right.module
            ),
            env: right.env.clone(),
            want: right.want.clone(),
        })
        .collect();
    let problems = run_driver(&python, &cases);
    for (case, (_, expected)) in cases.iter().zip(spoilers) {
        let found = problems[&case.program.name].join("\n");
        if expected.is_empty() {
            assert!(found.is_empty(), "{}: the right module is reported: {found}", case.program.name);
        } else {
            assert!(found.contains(expected), "{}: expected a report with {expected:?}, got {found:?}", case.program.name);
        }
    }
    // a module that does not run, or returns the wrong keys, is reported too
    let broken = |name: &str, module: &str| Case {
        program: Program { name: name.into(), ..program() },
        module: module.into(),
        env: right.env.clone(),
        want: right.want.clone(),
    };
    let cases = [
        broken("raises", "def derivatives(**env):\n    return env[\"nothing\"]\n"),
        broken("keys", "def derivatives(**env):\n    return {\"X\": env[\"X\"]}\n"),
    ];
    let problems = run_driver(&python, &cases);
    assert!(problems["raises"].join("").contains("KeyError"), "{:?}", problems["raises"]);
    assert!(problems["keys"].join("").contains("returns the keys ['X'], expected ['X', 'x']"), "{:?}", problems["keys"]);
}

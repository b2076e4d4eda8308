//! `--format numpy` computes what it claims (CONTRACT §3): the module each
//! program prints is executed by Python, and what its `derivatives(**env)`
//! returns is compared with matdiff's own evaluation of the same form of
//! the derivative (the one for NumPy) at the same point. That evaluation is
//! the reference because `run` has already checked it against finite
//! differences of the program; what is left to catch here is the printer:
//! a wrong broadcast, precedence, reshape or calling convention. (The
//! printed form may compute another number where terms cancel; the form
//! for NumPy is chosen not to: see `a_hessian_that_cancels_is_computed_accurately`.)
//!
//! The programs: `examples/*.mdiff`, the public acceptance cases
//! (`tests/latex/acceptance/`), one program per printed construct
//! (`tests/latex/constructs/`), programs for what the NumPy printer does
//! on its own (`tests/numpy/`: broadcasts instead of `Diag`, powers,
//! Jacobians with respect to scalars), each with the options of its header
//! comments (`# wrt: A, B`, `# of: NAME`, `# hessian`), and a few random
//! programs ([`Gen`]). One Python process runs them all ([`DRIVER`]).
//!
//! Python 3 with NumPy is required in CI (`CI` set); elsewhere, where
//! `build.rs` does not find it, the tests are built ignored, with the reason
//! (cfg `has_numpy`). `MATDIFF_PYTHON` names another interpreter than
//! `python3`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use matdiff::name::Name;
use matdiff::numeric::{Point, Rng, Value, check, eval, infer_domains};
use matdiff::shape::Shape;
use matdiff::{Derived, Error, Format, Options};
use serde_json::{Value as Json, json};

/// The folders of programs, relative to the repository.
const FOLDERS: &[&str] = &["examples", "tests/latex/acceptance", "tests/latex/constructs", "tests/numpy"];

/// How many random programs are generated, and how many of them matdiff
/// must accept for the comparison to mean something.
const GENERATED: u64 = 40;
const GENERATED_AT_LEAST: usize = 30;

/// `max|got − want| / max(1, max|want|)` above this is a mismatch. Both
/// sides compute the same formula in double precision, in another order.
const TOLERANCE: f64 = 1e-6;

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

def compare(name, got, want, tolerance):
    """What is wrong with `got` as the value `want` (None: nothing)."""
    w = np.asarray(want, dtype=float)
    try:
        g = np.asarray(got, dtype=float)
    except Exception as e:
        return f"{name}: not an array of numbers: {e}"
    if isinstance(want, float) and not isinstance(got, float):
        return f"{name}: a {type(got).__name__}, expected a float"
    if g.shape != w.shape:
        return f"{name}: shape {g.shape}, expected {w.shape}"
    error = np.max(np.abs(g - w)) / max(1.0, np.max(np.abs(w)))
    if not error <= tolerance:
        with np.printoptions(precision=6, suppress=True):
            return f"{name}: relative error {error:.1e}\n  got  {g!r}\n  want {w!r}"
    return None

def problems(case, tolerance):
    env = {k: v if isinstance(v, float) else np.array(v, dtype=float) for k, v in case["env"].items()}
    namespace = {"__name__": "matdiff_module"}
    try:
        exec(compile(case["module"], case["name"], "exec"), namespace)
        got = namespace["derivatives"](**env)
    except Exception:
        return ["raised " + traceback.format_exc().strip()]
    out = derivative_problems(got, case, tolerance)
    # the value, and both at once
    try:
        value = namespace["function"](**env)
        pair = namespace["value_and_derivatives"](**env)
    except Exception:
        return out + ["function or value_and_derivatives raised " + traceback.format_exc().strip()]
    out += [p for p in [compare("function", value, case["want_value"], tolerance)] if p]
    if not (isinstance(pair, tuple) and len(pair) == 2):
        return out + [f"value_and_derivatives returns a {type(pair).__name__}, not a pair"]
    if compare("value_and_derivatives[0]", pair[0], value, 0.0):
        out.append("value_and_derivatives differs from function")
    if sorted(pair[1]) != sorted(got) or any(
        compare(k, pair[1][k], np.asarray(got[k], dtype=float), 0.0) for k in got
    ):
        out.append("value_and_derivatives differs from derivatives")
    return out

def derivative_problems(got, case, tolerance):
    if not isinstance(got, dict):
        return [f"returns a {type(got).__name__}, not a dict"]
    want = case["want"]
    out = []
    if sorted(got) != sorted(want):
        out.append(f"returns the keys {sorted(got)}, expected {sorted(want)}")
    for name in sorted(set(got) & set(want)):
        problem = compare(name, got[name], want[name], tolerance)
        if problem:
            out.append(problem)
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
    /// What `function(**env)` must return.
    want_value: Json,
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
    /// `1×n`, declared
    Row,
}

const DECLARATIONS: &str = "A : n×n\nC, D : n×m\nx, y : n\nu : m\nr : 1×n\nα : scalar\n";

/// A generator of small well-shaped programs, enough to mix what the
/// printer must get right: products (matrix, outer, by a scalar), sums and
/// differences (with negated terms), transposes (of numbers too),
/// Hadamard products, elementwise powers (high ones too: `.^21`), σ, tanh
/// and exp, traces, Frobenius products, softmax, logsumexp, norms, `vec`,
/// declared row vectors, and a definition the function uses.
/// `tests/properties.rs` has a larger one, for the check.
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
            Kind::Row => &["r"],
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
        match (kind, self.rng.below(11)) {
            (_, 0) => format!("{} + {}", self.expr(kind, d), self.expr(kind, d)),
            (_, 1) => format!("{} - {}", self.expr(kind, d), self.expr(kind, d)),
            (_, 2) => format!("{} {}", self.expr(Kind::Scalar, d), self.expr(kind, d)),
            (Kind::Scalar, 3) => format!("tr({})", self.expr(Kind::Square, d)),
            (Kind::Scalar, 4) => format!("{} : {}", self.expr(Kind::Wide, d), self.expr(Kind::Wide, d)),
            (Kind::Scalar, 5) => format!("{}^T softmax({})", self.expr(Kind::Vector, d), self.expr(Kind::Vector, d)),
            (Kind::Scalar, 6) => format!("logsumexp({})", self.expr(Kind::Vector, d)),
            (Kind::Scalar, 7) => format!("||{}||", self.expr(Kind::Wide, d)),
            (Kind::Scalar, 8) => format!("{} {}", self.expr(Kind::Row, d), self.expr(Kind::Vector, d)),
            (Kind::Scalar, 9) => format!("sum(vec({}).^3)", self.expr(Kind::Wide, d)),
            (Kind::Scalar, _) => {
                format!("{}^T {} {}", self.expr(Kind::Vector, d), self.expr(Kind::Square, d), self.expr(Kind::Vector, d))
            }
            (Kind::Vector, 3) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Vector, d)),
            (Kind::Vector, 4) => format!("{} {}", self.expr(Kind::Wide, d), self.expr(Kind::VectorM, d)),
            (Kind::Vector, 5) => format!("{} ∘ {}", self.expr(Kind::Vector, d), self.expr(Kind::Vector, d)),
            (Kind::Vector, 6) => format!("{}.^3", self.expr(Kind::Vector, d)),
            (Kind::Vector, 7) => format!("{}^T", self.expr(Kind::Row, d)),
            (Kind::Vector, 8) => {
                format!("{} ({} {})^T", self.expr(Kind::Vector, d), self.expr(Kind::Scalar, d), self.leaf(Kind::Scalar))
            }
            (Kind::Row, 3 | 4) => format!("{} {}", self.expr(Kind::Row, d), self.expr(Kind::Square, d)),
            (Kind::Row, 5) => format!("{}^T", self.expr(Kind::Vector, d)),
            (Kind::Row, 6) => format!("{} ∘ {}", self.expr(Kind::Row, d), self.expr(Kind::Row, d)),
            (Kind::Row, 7) => format!("{}.^2", self.expr(Kind::Row, d)),
            (Kind::VectorM, 3 | 4) => format!("{}^T {}", self.expr(Kind::Wide, d), self.expr(Kind::Vector, d)),
            (Kind::Square, 3) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Square, d)),
            (Kind::Square, 4) => format!("{}^T", self.expr(Kind::Square, d)),
            (Kind::Square, 5) => format!("{} {}^T", self.expr(Kind::Wide, d), self.expr(Kind::Wide, d)),
            (Kind::Wide, 3) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Wide, d)),
            (Kind::Wide, 4) => format!("{} {}^T", self.expr(Kind::Vector, d), self.expr(Kind::VectorM, d)),
            (Kind::Wide, 5) => format!("{} ∘ {}", self.expr(Kind::Wide, d), self.expr(Kind::Wide, d)),
            (Kind::Wide, 6) => format!("{}.^21", self.expr(Kind::Wide, d)),
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

/// Programs longer and deeper than Python's parser takes in one
/// expression (200 nested brackets; a compiler that recurses on the
/// depth of an expression): a sum of 202 terms, and a function nested 120
/// deep.
fn long_programs() -> Vec<Program> {
    let sum: Vec<String> = (1..=202).map(|i| format!("sin(a_{i}^T x)")).collect();
    let nested = format!("f = sum({}x{})", "tanh(".repeat(120), ")".repeat(120));
    vec![
        Program { name: "long sum".into(), src: format!("f = {}\n", sum.join(" + ")), options: options_of("# wrt: x") },
        Program { name: "deep nesting".into(), src: format!("x : 3\n{nested}\n"), options: options_of("") },
    ]
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
/// result (in its form for NumPy) are defined, with the function's value and the
/// results'; drawn as `numeric::check::check` draws (scaled down after
/// misses), from the check's seed of the program.
fn point_and_results(d: &Derived, src: &str) -> Result<(Point, Value, Vec<Value>), String> {
    let g = &d.graph;
    let f_root = g.info(d.derivative.of).def.expect("the function is a definition");
    let domains = infer_domains(g, &[f_root]);
    let mut rng = Rng::new(check::seed_of(src));
    let mut roots = vec![f_root];
    roots.extend(d.derivative.entries.iter().map(|e| e.numpy));
    let mut why = String::new();
    for attempt in 0..check::ATTEMPTS {
        let sizes = draw_sizes(&d.dims, &mut rng);
        let point = check::attempt_point(g, &d.variables, &domains, &sizes, attempt, &mut rng);
        match eval(g, &roots, &point) {
            Ok(mut values) => {
                let value = values.remove(0);
                return Ok((point, value, values));
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
    let (point, value, results) = point_and_results(&derived, &program.src).map_err(|e| failed(&e))?;
    let g = &derived.graph;
    let python = |n: Name| n.parts().python();
    let env = derived.variables.iter().map(|&v| (python(v), to_json(&point.values[&v], layout_of(&g.info(v).shape)))).collect();
    let want: serde_json::Map<String, Json> = derived
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
    let want_value = to_json(&value, layout_of(&g.info(derived.derivative.of).shape));
    // the docstring of `derivatives` lists every key it returns
    if let Some(key) = want.keys().find(|key| !module.contains(&format!("\"{key}\" : "))) {
        return Err(format!("{}: the docstring does not list the key \"{key}\"\n{module}", program.name));
    }
    Ok(Some(Case { program, module, env, want, want_value }))
}

// ---------------------------------------------------------- the Python side

/// The Python interpreter with NumPy; a test that needs it fails without it
/// (where `build.rs` found none, it is ignored instead).
fn python() -> String {
    let python = std::env::var("MATDIFF_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let found = Command::new(&python)
        .args(["-c", "import numpy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let how = "install Python 3 and NumPy (`apt-get install python3-numpy`, or `pip install numpy`), \
               or set MATDIFF_PYTHON to an interpreter that has it";
    assert!(found, "cannot run `{python} -c \"import numpy\"`: {how}");
    python
}

/// What [`DRIVER`] finds wrong with each case, by name.
fn run_driver(python: &str, cases: &[Case]) -> HashMap<String, Vec<String>> {
    let request = json!({
        "tolerance": TOLERANCE,
        "cases": cases.iter().map(|c| json!({
            "name": c.program.name, "module": c.module, "env": c.env, "want": c.want, "want_value": c.want_value,
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
#[cfg_attr(not(has_numpy), ignore = "needs python3 with NumPy: not found when the tests were built")]
fn every_numpy_module_computes_the_derivative() {
    let python = python();
    let files = file_programs();
    assert!(
        files.len() >= 40,
        "expected the examples, acceptance cases and constructs, found {} programs in {FOLDERS:?}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut cases = Vec::new();
    for program in files.into_iter().chain(generated_programs()).chain(long_programs()) {
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
#[cfg_attr(not(has_numpy), ignore = "needs python3 with NumPy: not found when the tests were built")]
fn the_comparison_can_fail() {
    let python = python();
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
            want_value: right.want_value.clone(),
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
        want_value: right.want_value.clone(),
    };
    let cases = [
        broken("raises", "def derivatives(**env):\n    return env[\"nothing\"]\n"),
        broken("keys", "def derivatives(**env):\n    return {\"X\": env[\"X\"]}\n"),
    ];
    let problems = run_driver(&python, &cases);
    assert!(problems["raises"].join("").contains("KeyError"), "{:?}", problems["raises"]);
    assert!(problems["keys"].join("").contains("returns the keys ['X'], expected ['X', 'x']"), "{:?}", problems["keys"]);
}

/// The module of `src` with `options` (in NumPy).
fn module_of(src: &str, options: &str) -> String {
    matdiff::run_guarded(src, &options_of(options)).unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

/// Runs `script` in Python with the module `module` loaded as `m` (and
/// NumPy as `np`); the script asserts what it expects.
fn python_asserts(python: &str, module: &str, script: &str) {
    let prelude = "import sys, types\nimport numpy as np\nm = types.ModuleType('matdiff_module')\n\
                   exec(compile(sys.stdin.read(), 'module', 'exec'), m.__dict__)\n";
    let mut child = Command::new(python)
        .args(["-c", &format!("{prelude}{script}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let _ = child.stdin.take().expect("piped").write_all(module.as_bytes());
    let output = child.wait_with_output().expect("python runs");
    assert!(
        output.status.success(),
        "{}\n--- the module:\n{module}\n--- the script:\n{script}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const LOGISTIC: &str = "X : n×d\nw : d\ny : n\np = σ(X w)\nf = -((y : log(p)) + ((𝟙 - y) : log(𝟙 - p)))\n";

/// Issue 16: documented, checked arguments; the value; both at once.
#[test]
#[cfg_attr(not(has_numpy), ignore = "needs python3 with NumPy: not found when the tests were built")]
fn the_module_documents_and_checks_its_arguments() {
    let python = python();
    let module = module_of(LOGISTIC, "# wrt: w");
    python_asserts(
        &python,
        &module,
        r#"
for doc in [m.__doc__, m.derivatives.__doc__, m.function.__doc__]:
    for line in ["X : (n, d) array", "w : (d,) array", "y : (n,) array"]:
        assert line in doc, (line, doc)
assert '"w" : ∂f/∂w, a (d,) array' in m.derivatives.__doc__, m.derivatives.__doc__
rng = np.random.default_rng(1)
X, w, y = rng.normal(size=(7, 3)), rng.normal(size=3), rng.uniform(size=7)
p = 1 / (1 + np.exp(-X @ w))
value = -(y @ np.log(p) + (1 - y) @ np.log(1 - p))
assert isinstance(m.function(X=X, w=w, y=y), float)
assert abs(m.function(X=X, w=w, y=y) - value) < 1e-12 * abs(value)
grad = m.derivatives(X=X, w=w, y=y)["w"]
assert np.allclose(grad, X.T @ (p - y), rtol=1e-12, atol=1e-12)
v, d = m.value_and_derivatives(X=X, w=w, y=y)
assert v == m.function(X=X, w=w, y=y) and np.array_equal(d["w"], grad)
# lists and column-shaped vectors are accepted too
assert np.allclose(m.derivatives(X=X.tolist(), w=w.reshape(-1, 1), y=list(y))["w"], grad)
def raises(kind, words, **env):
    try:
        m.derivatives(**env)
    except kind as e:
        assert all(word in str(e) for word in words), (words, str(e))
    else:
        raise AssertionError(f"no {kind.__name__} for {words}")
raises(TypeError, ["missing argument 'w'", "(d,) array"], X=X, y=y)
raises(ValueError, ["'w'", "(4,)", "(d,) array", "d = 3", "'X'"], X=X, w=np.ones(4), y=y)
raises(ValueError, ["'X'", "(7,)", "(n, d) array"], X=np.ones(7), w=w, y=y)
assert m.function(X=X, w=w, y=y, z=1.0) == m.function(X=X, w=w, y=y), "other keywords are ignored"
"#,
    );
}

/// `lambda`, the contract's spelling of `λ`, is accepted as well as the
/// Python name `lambda_`.
#[test]
#[cfg_attr(not(has_numpy), ignore = "needs python3 with NumPy: not found when the tests were built")]
fn lambda_is_accepted_as_spelled() {
    let python = python();
    let module = module_of("x : n\nf = λ (x^T x)\n", "");
    python_asserts(
        &python,
        &module,
        r#"
x = np.array([1.0, 2.0, 3.0])
for env in [{"lambda": 2.0, "x": x}, {"lambda_": 2.0, "x": x}]:
    d = m.derivatives(**env)
    assert np.allclose(d["x"], 4 * x) and np.isclose(d["lambda_"], 14.0), d
    assert np.isclose(m.function(**env), 28.0)
assert "lambda (or lambda_) : float" in m.derivatives.__doc__, m.derivatives.__doc__
"#,
    );
}

/// Issue 16: gradient descent with the logistic-regression module, as a
/// user would write it, lowers the loss that `function` reports.
#[test]
#[cfg_attr(not(has_numpy), ignore = "needs python3 with NumPy: not found when the tests were built")]
fn gradient_descent_with_the_module_lowers_the_loss() {
    let python = python();
    let module = module_of(LOGISTIC, "# wrt: w");
    python_asserts(
        &python,
        &module,
        r#"
rng = np.random.default_rng(3)
X = rng.normal(size=(200, 4))
truth = np.array([2.0, -1.0, 0.5, 0.0])
y = (rng.uniform(size=200) < 1 / (1 + np.exp(-X @ truth))).astype(float)
w = np.zeros(4)
losses = [m.function(X=X, w=w, y=y)]
for step in range(100):
    loss, d = m.value_and_derivatives(X=X, w=w, y=y)
    w = w - 0.005 * d["w"]
    losses.append(m.function(X=X, w=w, y=y))
assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:])), losses
assert losses[-1] < 0.75 * losses[0], (losses[0], losses[-1])
assert np.corrcoef(w, truth)[0, 1] > 0.9, w
"#,
    );
}

/// Issue 17: the NumPy Hessian of a program whose simplified form cancels
/// agrees with an independent NumPy computation of it (the chain rule
/// written by hand, σ′ = σ(v)σ(−v)) at 60 random points, to 1e-8 relative.
#[test]
#[cfg_attr(not(has_numpy), ignore = "needs python3 with NumPy: not found when the tests were built")]
fn a_hessian_that_cancels_is_computed_accurately() {
    let python = python();
    let src = std::fs::read_to_string(root().join("tests/numpy/high-power-softmax-hessian.mdiff")).expect("the program");
    let module = matdiff::run_guarded(&src, &options_of(&src)).expect("derives");
    python_asserts(
        &python,
        &module,
        r#"
def sigmoid(v):
    return 0.5 * (1 + np.tanh(0.5 * v))

def hessian(x, W, p):
    x, p = x.ravel(), p.ravel()
    v = x @ W ** 21
    s, ds = sigmoid(v), sigmoid(v) * sigmoid(-v)
    dds = ds * (sigmoid(-v) - s)
    q = np.exp(s - s.max()); q /= q.sum()
    gs = p - p.sum() * q
    hs = -p.sum() * (np.diag(q) - np.outer(q, q))
    ha = np.diag(gs * dds) + ds[:, None] * hs * ds[None, :]
    J = 21 * x[:, None] * W ** 20                      # ∂v_j/∂W_ij
    H = np.einsum("ij,jl,kl->jilk", J, ha, J).reshape(15, 15)
    H += np.diag((gs * ds * 420 * x[:, None] * W ** 19).T.ravel())
    return H

rng = np.random.default_rng(5)
worst = 0.0
for _ in range(60):
    x, W, p = rng.normal(size=(1, 5)), rng.normal(size=(5, 3)), rng.normal(size=(1, 3))
    want = hessian(x, W, p)
    got = m.derivatives(x=x, W=W, p=p)["W"]
    worst = max(worst, np.max(np.abs(got - want)) / max(1.0, np.max(np.abs(want))))
assert worst < 1e-8, worst
"#,
    );
}

/// Issue 16: with `--hessian`, one module computes the gradient and the
/// Hessian (and the value), from one forward pass.
#[test]
#[cfg_attr(not(has_numpy), ignore = "needs python3 with NumPy: not found when the tests were built")]
fn a_hessian_module_computes_the_gradient_too() {
    let python = python();
    let module = module_of(LOGISTIC, "# wrt: w\n# hessian");
    python_asserts(
        &python,
        &module,
        r#"
rng = np.random.default_rng(2)
X, w, y = rng.normal(size=(6, 3)), rng.normal(size=3), rng.uniform(size=6)
p = 1 / (1 + np.exp(-X @ w))
value, gradients, hessians = m.value_gradient_and_hessian(X=X, w=w, y=y)
assert np.isclose(value, -(y @ np.log(p) + (1 - y) @ np.log(1 - p)), rtol=1e-12)
assert gradients["w"].shape == (3,) and np.allclose(gradients["w"], X.T @ (p - y), rtol=1e-12, atol=1e-12)
assert np.allclose(hessians["w"], X.T @ np.diag(p * (1 - p)) @ X, rtol=1e-12, atol=1e-12)
assert np.array_equal(m.gradient(X=X, w=w, y=y)["w"], gradients["w"])
assert np.array_equal(m.derivatives(X=X, w=w, y=y)["w"], hessians["w"])
assert '"w" : ∂f/∂w, a (d,) array' in m.gradient.__doc__, m.gradient.__doc__
"#,
    );
}

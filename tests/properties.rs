//! Random well-shaped programs, differentiated and checked: `run` checks
//! every result against finite differences of the program before it
//! returns, so the property is simply that it returns a result — no check
//! failure (exit 3), no internal error (exit 1), no panic.
//!
//! The generator builds expressions of a requested shape from variables of
//! fixed shapes (square `n×n`, rectangular `n×m`, vectors, scalars) with
//! every kind of operator: products, sums, transposes, Hadamard products,
//! inverses of well-conditioned matrices, elementwise functions, traces,
//! norms, softmax (of vectors, and of matrices column by column, rows by
//! transposes), logsumexp and logsoftmax of matrices, `mean`, sizes as
//! numbers (`n`, `1/m`, `sqrt(n)`, `X / sqrt(m)`: the dimensions of the
//! declared variables), and definitions that later statements use.
//!
//! `MATDIFF_PROPERTY_CASES=20000 cargo test --release --test properties`
//! runs a long campaign; the default is a few hundred.

use matdiff::numeric::Rng;
use matdiff::{Format, Options};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Scalar,
    /// n×1
    Vector,
    /// m×1
    VectorM,
    /// n×n
    Square,
    /// n×m
    Wide,
    /// m×n
    Tall,
}

const DECLARATIONS: &str = "A, B : n×n\nC : n×m\nD : m×n\nx, y : n\nu : m\nα, β : scalar\n";

struct Gen {
    rng: Rng,
    /// Definitions so far: name and kind.
    defs: Vec<(String, Kind)>,
    lines: Vec<String>,
}

impl Gen {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.below(items.len() as u64) as usize]
    }

    fn leaf(&mut self, kind: Kind) -> String {
        let defined: Vec<String> = self.defs.iter().filter(|d| d.1 == kind).map(|d| d.0.clone()).collect();
        if !defined.is_empty() && self.rng.below(3) == 0 {
            return self.pick(&defined).clone();
        }
        if kind == Kind::Scalar && self.rng.below(5) == 0 {
            return self.size_number();
        }
        let names: &[&str] = match kind {
            Kind::Scalar => &["α", "β", "2", "1/2"],
            Kind::Vector => &["x", "y"],
            Kind::VectorM => &["u"],
            Kind::Square => &["A", "B", "I_n"],
            Kind::Wide => &["C"],
            Kind::Tall => &["D"],
        };
        self.pick(names).to_string()
    }

    /// An expression of `kind`, at most `depth` operators deep; compound
    /// ones parenthesized, so that juxtaposed operands stay operands.
    fn expr(&mut self, kind: Kind, depth: u32) -> String {
        if depth == 0 || self.rng.below(4) == 0 {
            return self.leaf(kind);
        }
        format!("({})", self.compound(kind, depth))
    }

    fn compound(&mut self, kind: Kind, depth: u32) -> String {
        let d = depth - 1;
        let choice = self.rng.below(14);
        match (kind, choice) {
            // sums and scalings work for every kind
            (_, 0) => format!("({} + {})", self.expr(kind, d), self.expr(kind, d)),
            (_, 1) => format!("({} - {})", self.expr(kind, d), self.expr(kind, d)),
            (_, 2) => format!("{} {}", self.expr(Kind::Scalar, d), self.expr(kind, d)),
            (Kind::Scalar, 3) => format!("{}^T {}", self.expr(Kind::Vector, d), self.expr(Kind::Vector, d)),
            (Kind::Scalar, 4) => format!("tr({})", self.expr(Kind::Square, d)),
            (Kind::Scalar, 5) => format!("{} : {}", self.expr(Kind::Wide, d), self.expr(Kind::Wide, d)),
            (Kind::Scalar, 6) => format!("||{}||^2", self.expr(Kind::Vector, d)),
            (Kind::Scalar, 7) => format!("sum({})", self.elementwise(Kind::Vector, d)),
            (Kind::Scalar, 8) => format!("logsumexp({})", self.expr(Kind::Vector, d)),
            (Kind::Scalar, 9) => {
                format!("{}^T {} {}", self.expr(Kind::Vector, d), self.expr(Kind::Square, d), self.expr(Kind::Vector, d))
            }
            (Kind::Scalar, 10) => format!("logdet({})", self.spd(d)),
            // logsumexp of a matrix: a row vector, one entry per column
            (Kind::Scalar, 11) => format!("logsumexp({}) {}", self.expr(Kind::Wide, d), self.expr(Kind::VectorM, d)),
            (Kind::Scalar, 12) => {
                let k = *self.pick(&[Kind::Vector, Kind::VectorM, Kind::Square, Kind::Wide, Kind::Tall]);
                format!("mean({})", self.expr(k, d))
            }
            (Kind::Scalar, 13) => format!("logsumexp({}) {}", self.expr(Kind::Tall, d), self.expr(Kind::Vector, d)),
            // sizes as numbers: a scaling, or a division
            (_, 12) => format!("{} {}", self.size_number(), self.expr(kind, d)),
            (_, 13) => format!("{} / {}", self.expr(kind, d), self.pick(&["n", "m", "sqrt(n)", "sqrt(m)"])),
            (Kind::Scalar, _) => format!("{}^2", self.expr(Kind::Scalar, d)),
            (Kind::Vector, 3 | 4) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Vector, d)),
            (Kind::Vector, 5) => format!("{} {}", self.expr(Kind::Wide, d), self.expr(Kind::VectorM, d)),
            (Kind::Vector, 6) => format!("({} ∘ {})", self.expr(Kind::Vector, d), self.expr(Kind::Vector, d)),
            (Kind::Vector, 7) => format!("softmax({})", self.expr(Kind::Vector, d)),
            (Kind::Vector, 8) => format!("diag({})", self.expr(Kind::Square, d)),
            (Kind::Vector, 9) => format!("{} {}", self.spd_inverse(d), self.expr(Kind::Vector, d)),
            (Kind::Vector, _) => self.elementwise(Kind::Vector, d),
            (Kind::VectorM, 3 | 4) => format!("{} {}", self.expr(Kind::Tall, d), self.expr(Kind::Vector, d)),
            (Kind::VectorM, _) => self.elementwise(Kind::VectorM, d),
            (Kind::Square, 3 | 4) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Square, d)),
            (Kind::Square, 5) => format!("{} {}", self.expr(Kind::Wide, d), self.expr(Kind::Tall, d)),
            (Kind::Square, 6) => format!("{}^T", self.expr(Kind::Square, d)),
            (Kind::Square, 7) => format!("({} ∘ {})", self.expr(Kind::Square, d), self.expr(Kind::Square, d)),
            (Kind::Square, 8) => format!("Diag({})", self.expr(Kind::Vector, d)),
            (Kind::Square, 9) => format!("{} {}^T", self.expr(Kind::Vector, d), self.expr(Kind::Vector, d)),
            (Kind::Square, 10) => self.spd_inverse(d),
            // softmax of a matrix, column by column
            (Kind::Square, 11) => format!("softmax({})", self.expr(Kind::Square, d)),
            (Kind::Square, _) => self.elementwise(Kind::Square, d),
            (Kind::Wide, 3 | 4) => format!("{} {}", self.expr(Kind::Square, d), self.expr(Kind::Wide, d)),
            (Kind::Wide, 5) => format!("{}^T", self.expr(Kind::Tall, d)),
            (Kind::Wide, 6) => format!("{} {}^T", self.expr(Kind::Vector, d), self.expr(Kind::VectorM, d)),
            (Kind::Wide, 7) => format!("logsoftmax({})", self.expr(Kind::Wide, d)),
            (Kind::Wide, 8) => format!("softmax({}^T)^T", self.expr(Kind::Wide, d)),
            // of a rectangular matrix, column by column
            (Kind::Wide, 9) => format!("softmax({})", self.expr(Kind::Wide, d)),
            (Kind::Wide, _) => self.elementwise(Kind::Wide, d),
            (Kind::Tall, 3 | 4) => format!("{} {}", self.expr(Kind::Tall, d), self.expr(Kind::Square, d)),
            (Kind::Tall, 5) => format!("{}^T", self.expr(Kind::Wide, d)),
            (Kind::Tall, 6) => format!("softmax({})", self.expr(Kind::Tall, d)),
            (Kind::Tall, _) => self.elementwise(Kind::Tall, d),
        }
    }

    /// A size as a number: a dimension of the declared variables (`n`,
    /// `m`), its inverse or its square root.
    fn size_number(&mut self) -> String {
        self.pick(&["n", "m", "1/n", "1/m", "sqrt(n)", "sqrt(m)", "1/sqrt(n)"]).to_string()
    }

    /// A smooth elementwise function of an expression of `kind`.
    fn elementwise(&mut self, kind: Kind, depth: u32) -> String {
        let f = *self.pick(&["σ", "tanh", "sin", "cos", "softplus"]);
        format!("{f}({})", self.expr(kind, depth))
    }

    /// A symmetric positive definite matrix: `M Mᵀ + I`.
    fn spd(&mut self, depth: u32) -> String {
        let m = self.expr(Kind::Square, depth.min(1));
        format!("({m} {m}^T + I)")
    }

    fn spd_inverse(&mut self, depth: u32) -> String {
        format!("{}^{{-1}}", self.spd(depth))
    }

    /// A program: a few definitions, then the function of `kind`.
    fn program(&mut self, kind: Kind) -> String {
        let names = ["g_1", "g_2", "G_3"];
        for (i, name) in names.iter().enumerate() {
            if self.rng.below(2) == 0 {
                let k = if i == 2 { Kind::Square } else { *self.pick(&[Kind::Vector, Kind::Scalar]) };
                let e = self.expr(k, 2);
                self.lines.push(format!("{name} = {e}"));
                self.defs.push((name.to_string(), k));
            }
        }
        let f = self.expr(kind, 3);
        self.lines.push(format!("f = {f}"));
        format!("{DECLARATIONS}{}\n", self.lines.join("\n"))
    }
}

fn cases() -> u64 {
    std::env::var("MATDIFF_PROPERTY_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(300)
}

/// What became of one program.
enum Outcome {
    Checked,
    /// Not a test of matdiff: the program is constant, or undefined at
    /// every point drawn.
    Skipped,
    Failed(String),
}

/// Runs `program` in Unicode and NumPy form.
fn outcome(program: &str, hessian: bool) -> Outcome {
    for format in [Format::Unicode, Format::Numpy] {
        let opts = Options { format, hessian, ..Options::default() };
        if let Err(e) = matdiff::run_guarded(program, &opts) {
            let why = format!("{e:?}");
            if why.contains("depends on no variable") || why.contains("no random point") {
                return Outcome::Skipped;
            }
            return Outcome::Failed(why);
        }
    }
    Outcome::Checked
}

fn campaign(kind: Kind, hessian: bool, seed: u64) {
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in 0..cases() {
        let mut generator =
            Gen { rng: Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(case)), defs: Vec::new(), lines: Vec::new() };
        let program = generator.program(kind);
        if std::env::var_os("MATDIFF_PROPERTY_TRACE").is_some() {
            eprintln!("case {case}:\n{program}");
        }
        match outcome(&program, hessian) {
            Outcome::Checked => checked += 1,
            Outcome::Skipped => {}
            Outcome::Failed(why) => {
                failures.push(format!("case {case}:\n{program}--> {why}"));
                if failures.len() >= 5 {
                    break;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failing programs:\n\n{}", failures.len(), failures.join("\n\n"));
    // most programs must be real tests, or the campaign proves little
    println!("{kind:?}: {checked} of {} programs checked", cases());
    assert!(checked * 4 >= cases() * 3, "only {checked} of {} programs were checked", cases());
}

#[test]
fn gradients_of_random_programs_agree_with_finite_differences() {
    campaign(Kind::Scalar, false, 1);
}

#[test]
fn jacobians_of_random_programs_agree_with_finite_differences() {
    campaign(Kind::Vector, false, 2);
    campaign(Kind::Square, false, 3);
}

#[test]
fn hessians_of_random_programs_agree_with_finite_differences() {
    campaign(Kind::Scalar, true, 4);
}

/// The printers' round trip (issue 12): each random program's definitions,
/// printed in Unicode and in LaTeX, read back by matdiff's parser as the
/// same values at random points. A text that reads back differently fails;
/// one the parser cannot read fails as `readback::unreadable_fails` says.
#[test]
fn printed_programs_read_back_as_the_same_values() {
    let (mut read, mut notes) = (0, 0);
    let mut failures = Vec::new();
    for case in 0..cases() {
        let kind = [Kind::Scalar, Kind::Vector, Kind::Square][case as usize % 3];
        let mut generator = Gen { rng: Rng::new(5_000_011u64.wrapping_add(case)), defs: Vec::new(), lines: Vec::new() };
        let program = generator.program(kind);
        let Ok(derived) = matdiff::derive(&program, &Options::default()) else { continue };
        match matdiff::readback::verify_definitions(&derived, case) {
            Ok(n) => {
                read += 1;
                notes += n.len();
            }
            Err(why) => failures.push(format!("case {case}:\n{program}--> {why}")),
        }
        if failures.len() >= 5 {
            break;
        }
    }
    assert!(failures.is_empty(), "{} programs print what does not read back:\n\n{}", failures.len(), failures.join("\n\n"));
    println!("{read} programs read back; {notes} texts unreadable without failing");
    assert!(read * 4 >= cases() * 3, "only {read} of {} programs were read back", cases());
}

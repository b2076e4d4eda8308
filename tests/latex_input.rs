//! LaTeX input (CONTRACT §1, *LaTeX and matdiff's own output are input*):
//! each item of the contract's list, and the seed programs as a student
//! writes them in LaTeX, parse to the same AST as the plain spelling; errors
//! in LaTeX point at the LaTeX that was typed.

use matdiff::syntax::{parse, sexpr};

fn ast(src: &str) -> String {
    match parse(src) {
        Ok(program) => sexpr::program(&program),
        Err(e) => panic!("expected {src:?} to parse, got:\n{}", e.render(src)),
    }
}

/// Every LaTeX spelling reads as the plain one.
fn same(plain: &str, latex: &[&str]) {
    let want = ast(plain);
    for l in latex {
        assert_eq!(ast(l), want, "{l:?} does not read as {plain:?}");
    }
}

#[test]
fn seed_programs_in_latex() {
    // `\frac{1}{2}` is one factor, as `(1/2)` is
    same("s = σ(W x)\nE = (1/2) ‖s - y‖^2", &[r"s = \sigma(Wx) \\ E = \frac{1}{2}\|s - y\|^2"]);
    same(
        "x_1 = W_1 x_0\nx_2 = σ(x_1)\nE = (1/2) ||x_2 - y||^2",
        &[r"x_1 = W_1x_0 \\ x_2 = \sigma(x_1) \\ E = \frac{1}{2} || x_2 - y||^2"],
    );
    same(
        "a = x W_1 + b_1; h = σ(a); θ = h W_2 + b_2",
        &[
            r"\textbf{a} = \textbf{x}\textbf{W}_{1}+\textbf{b}_{1} \\ \textbf{h}=\sigma(\textbf{a}) \\ \theta = \textbf{h}\textbf{W}_{2}+\textbf{b}_2",
        ],
    );
    same(
        "W : m×n\nx ∈ ℝ^n\nf = -(y : log(σ(W x)))",
        &[
            "W \\in \\mathbb{R}^{m \\times n} \\\\ x \\in \\mathbb{R}^n \\\\ f = -\\left(y \\mathbin{:} \\log\\left(\\sigma(\\mathbf{W}\\mathbf{x})\\right)\\right)",
        ],
    );
}

#[test]
fn double_backslash_separates_statements() {
    same("a = x\nb = a", &[r"a = x \\ b = a", "a = x \\\\\nb = a"]);
    // a long sum broken as matdiff's LaTeX breaks it goes on
    same("f = a + b - c", &["f = a + b \\\\\n&\\quad - c"]);
}

#[test]
fn alignment_is_ignored() {
    same(
        "a = x\nb = a",
        &["\\begin{aligned}\na &= x \\\\\nb &= a\n\\end{aligned}", "\\begin{aligned} a &= x \\\\ b &= a \\end{aligned}"],
    );
}

#[test]
fn fractions() {
    same(
        "f = (1/2) x + (a/b)",
        &[r"f = \frac{1}{2} x + \frac{a}{b}", r"f = \tfrac12 x + \dfrac{a}{b}", r"f = \frac 1 2 x + \frac{a}b"],
    );
}

#[test]
fn product_operators() {
    same(
        "f = a · b + c ∘ d + e ∘ g + A ⊗ B : C + p ⊘ q",
        &[r"f = a \cdot b + c \circ d + e \odot g + A \otimes B : C + p \oslash q"],
    );
}

#[test]
fn transposes_and_inverses() {
    let plain = "f = xᵀ A x + yᵀ z + X^{-1} + X^{-T}";
    same(
        plain,
        &[
            r"f = x^\top A x + y^{\top} z + X^{-1} + X^{-\top}",
            r"f = x^{\mathsf T} A x + y^\intercal z + X^{-1} + X^{-T}",
            r"f = x^T A x + y^{\mathsf{T}} z + X^{-1} + X^{-\top}",
        ],
    );
}

#[test]
fn sized_delimiters() {
    same(
        "f = (a + b)(c + d)",
        &[
            r"f = \left(a + b\right)\left( c + d \right)",
            r"f = \big(a + b\big)\Bigl(c + d\Bigr)",
            r"f = \bigg( a + b \biggr) \left. (c + d) \right.",
        ],
    );
}

#[test]
fn norms() {
    same(
        "f = ‖x‖ + ‖X‖_F^2",
        &[
            r"f = \|x\| + \|X\|_F^2",
            r"f = \lVert x \rVert + \left\lVert X \right\rVert_F^2",
            r"f = \Vert x \Vert + \left\| X \right\|_{F}^{2}",
        ],
    );
}

#[test]
fn greek_letters() {
    same("f = α xᵀ Σ x + λ θ + ε", &[r"f = \alpha x^T \Sigma x + \lambda \theta + \varepsilon"]);
}

#[test]
fn operator_names() {
    same(
        "f = tr(X) + tr(A X) + Diag(x) : X + sum(vec(X))",
        &[
            r"f = \operatorname{tr}(X) + \mathrm{tr}(A X) + \operatorname{Diag}(x) : X + \operatorname{sum}(\operatorname{vec}(X))",
            r"f = \text{tr}(X) + \operatorname{tr}\left(A X\right) + \mathrm{Diag}(x) \mathbin{:} X + \text{sum}(\mathrm{vec}(X))",
        ],
    );
}

#[test]
fn function_commands() {
    same(
        "f = sum(log(x) + exp(x) + tanh(x)) + det(X) + logdet(X)",
        &[r"f = \operatorname{sum}(\log(x) + \exp(x) + \tanh(x)) + \det(X) + \log\det(X)"],
    );
}

#[test]
fn square_roots() {
    same("f = sum(sqrt(x)) + sqrt(xᵀx)", &[r"f = \operatorname{sum}(\sqrt{x}) + \sqrt{x^\top x}"]);
}

#[test]
fn font_commands_keep_the_name() {
    same(
        "f = xᵀ W_1 y + θ",
        &[
            r"f = \mathbf{x}^\top \boldsymbol{W}_1 \bm{y} + \boldsymbol\theta",
            r"f = \vec{x}^\top \mathbf{W_1} \vec y + \boldsymbol{\theta}",
        ],
    );
}

#[test]
fn accents_make_new_names() {
    same(
        "f = (y_{hat} - y)ᵀ(y_{hat} - y) + x_{bar} + x_{tilde} + θ_{hat} + y_{hat_1}",
        &[
            r"f = (\hat{y} - y)^\top(\hat y - y) + \bar{x} + \tilde{x} + \hat{\theta} + \hat{y}_1",
            "f = (ŷ - y)ᵀ(ŷ - y) + x̄ + x̃ + θ\u{302} + ŷ_1",
            r"f = (\widehat{y} - y)^\top(\hat{\mathbf{y}} - y) + \overline{x} + \widetilde{x} + \hat\theta + \hat{y}_{1}",
        ],
    );
    // a distinct name, not y: both are variables
    assert_ne!(ast(r"f = \hat{y}^\top y"), ast("f = yᵀy"));
}

#[test]
fn bold_one_is_the_ones_vector() {
    same("f = 𝟙ᵀx + 𝟙_n ᵀ y", &[r"f = \mathbf{1}^\top x + \mathbb{1}_n^\top y", r"f = \mathbf 1^T x + \mathbb 1_{n}^{\top} y"]);
}

#[test]
fn declarations_with_real_spaces() {
    same(
        "x ∈ ℝ^n\nW ∈ ℝ^{m×n}\nα ∈ ℝ\nf = α xᵀWᵀWx",
        &[
            "x \\in \\mathbb{R}^n \\\\ W \\in \\mathbb{R}^{m \\times n} \\\\ \\alpha \\in \\mathbb{R} \\\\ f = \\alpha x^\\top W^\\top W x",
            "x \\in \\mathbb R^{n}\nW \\in \\mathbb{R}^{m\\times n}\n\\alpha \\in \\mathbb{R}\nf = \\alpha \\, x^\\top W^\\top W x",
        ],
    );
}

#[test]
fn spacing_is_ignored() {
    same("f = a b + c", &[r"f = a\,b \; + \! c", r"f = a \quad b \qquad + \: c", r"f = a\ b + c"]);
}

#[test]
fn subscripts_and_exponents() {
    same("f = W_12 x + x^2 + ‖x‖^2", &[r"f = W_{12} x + x^{2} + \|x\|^{2}", "f = W₁₂ x + x² + ‖x‖²"]);
}

/// A name whose subscript is a name with a subscript, as matdiff prints
/// the adjoint of `U_1` in LaTeX (`\delta_{U_{1}}`), reads as that name,
/// in an expression and in a declaration.
#[test]
fn nested_subscripts_are_one_name() {
    same("f = δ_{U_1}^T x", &[r"f = \delta_{U_{1}}^{\top} x", "f = δ_{U_{1}}ᵀ x"]);
    same("x_{U_1} : 3\nf = x_{U_1}^T x_{U_1}", &[r"x_{U_{1}} : 3 \\ f = x_{U_{1}}^{\top} x_{U_1}"]);
}

#[test]
fn sigma_before_a_parenthesis_is_the_function() {
    same("f = σ(x) + σ x", &[r"f = \sigma(x) + \sigma x", r"f = \sigma\left(x\right) + \sigma\, x"]);
}

#[test]
fn comments_and_math_delimiters() {
    // LaTeX in a comment stays in the comment
    same("f = xᵀx", &["# \\lVert x \\rVert as a definition, a quotient as \\frac.\nf = x^\\top x % \\hat{y}"]);
    same("f = xᵀx", &["$$f = x^\\top x$$ % the loss", "\\[ f = x^\\top x \\]"]);
}

/// The column of the first caret of a rendered error.
fn caret(src: &str) -> (String, usize) {
    let e = parse(src).expect_err("should be refused");
    let span = e.labels[0].span;
    (src[span.start..span.end].to_string(), src[..span.start].chars().count() + 1)
}

#[test]
fn errors_point_at_the_latex_typed() {
    assert_eq!(caret(r"E = \frac{1}{2}\|s - y\|^2 + \partial x"), (r"\partial".to_string(), 30));
    assert_eq!(caret(r"E = \frac{1}{2}\|s - y\|^2 + \operatorname{Log}(x)"), (r"\operatorname{Log}".to_string(), 30));
    // just after the `+` (column 46), where the operand is missing
    assert_eq!(caret(r"s = \sigma(Wx) \\ E = \frac{1}{2}\|s - y\|^2 + ").1, 47);
    // the line of a statement after `\\` is the line it was typed on
    let src = "s = \\sigma(Wx) \\\\\nE = \\hat{y} +* s";
    let e = parse(src).expect_err("refused");
    assert!(e.render(src).contains(" --> 2:"), "{}", e.render(src));
}

/// Printed notations that are new to the parser differentiate, and their
/// derivatives pass the numeric check against finite differences.
#[test]
fn printed_notations_differentiate_and_check() {
    for src in [
        "X : 3×2\nF = K_{3,2} vec(X) + vec(X^T)",
        "X : m×n\nf = vec(X)^T K_{m,n} vec(X^T) + vec(X)^T I_{mn} vec(X)",
        "f = sum(sign(x) ∘ x) + sum(step(x) ∘ exp(x))",
        "f = log det(X) + ½ tr(X⁻ᵀ A)",
        r"f = \frac{1}{2} \operatorname{tr}\left(X^{-\top} A\right) + \log\det(X) + \mathbf{1}^\top x^{\circ 2}",
        "W₁₂ : 3×4\nf = xᵀW₁₂y + x^∘−1 : x",
    ] {
        let opts = matdiff::Options::default();
        if let Err(e) = matdiff::run(src, &opts) {
            panic!("{src}: {}", e.render(src, None));
        }
    }
}

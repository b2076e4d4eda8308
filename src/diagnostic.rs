//! User-facing error messages: a message, the places in the program it is
//! about (each with a caret line and a label), and an optional hint.
//!
//! Rendering (`Diagnostic::render`) needs the source text to turn byte spans
//! into line:column and to quote the line. Columns count characters, not
//! bytes, so `σ` and `𝟙` are one column each; a tab is shown as one space so
//! the carets stay under what they point at.

/// A byte range of the program text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Lowercase, quoting what the user typed: "unknown function `sigmod`".
    pub message: String,
    /// The first label is the main place; shape errors have two.
    pub labels: Vec<Label>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic { message: message.into(), labels: Vec::new(), hint: None }
    }
    pub fn at(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(message).label(span, "")
    }
    pub fn label(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, text: text.into() });
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// The message as a user reads it, rustc-like:
    ///
    /// ```text
    /// error: unclosed `(`
    ///  --> 1:6
    ///   |
    /// 1 | s = σ(W x
    ///   |      ^ opened here
    ///   |          ^ expected `)`
    /// ```
    ///
    /// The first label gives the line:column (1-based) of the header; each
    /// label gets its own caret line under its source line, in the order of
    /// lines and columns.
    pub fn render(&self, src: &str) -> String {
        let mut out = format!("error: {}", self.message);
        let mut places: Vec<(Place, &str)> = self.labels.iter().map(|l| (Place::of(src, l.span), l.text.as_str())).collect();
        let gutter = places.iter().map(|(p, _)| p.line.to_string().len()).max().unwrap_or(1);
        let pad = " ".repeat(gutter);
        if let Some((first, _)) = places.first() {
            out += &format!("\n{pad}--> {}:{}\n{pad} |", first.line, first.column);
            places.sort_by_key(|(p, _)| (p.line, p.column));
            let mut shown_line = 0;
            for (place, text) in &places {
                if place.line != shown_line {
                    out += &format!("\n{:>gutter$} | {}", place.line, place.text);
                    shown_line = place.line;
                }
                let carets = "^".repeat(place.width);
                let indent = " ".repeat(place.column - 1);
                let text = if text.is_empty() { String::new() } else { format!(" {text}") };
                out += &format!("\n{pad} | {indent}{carets}{text}");
            }
            if self.hint.is_some() {
                out += &format!("\n{pad} |");
            }
        }
        if let Some(hint) = &self.hint {
            out += &format!("\n{pad} = hint: {hint}");
        }
        out
    }
}

/// Where a span starts, for a reader: line and column (1-based, in chars),
/// the line as shown, and how many chars of it the span covers.
struct Place {
    line: usize,
    column: usize,
    text: String,
    width: usize,
}

impl Place {
    fn of(src: &str, span: Span) -> Place {
        let floor = |mut i: usize| {
            i = i.min(src.len());
            while !src.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let mut start = floor(span.start);
        // Past a final line break is still "just past the last char".
        if start == src.len() && src.ends_with('\n') {
            start -= 1;
        }
        let end = floor(span.end).max(start);
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let line_text = src[line_start..line_end].trim_end_matches('\r');
        let column = src[line_start..start].chars().count() + 1;
        let width = src[start..end.min(line_end)].trim_end_matches('\r').chars().count().max(1);
        Place { line: src[..start].matches('\n').count() + 1, column, text: line_text.replace('\t', " "), width }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc_with_char_columns() {
        let src = "s = σ(W x)";
        let at = |s: &str| src.find(s).unwrap();
        let d = Diagnostic::new("cannot multiply W (5×4) by x (3×1): inner dimensions 4 and 3 differ")
            .label(Span::new(at("W"), at("W") + 1), "5×4")
            .label(Span::new(at("x"), at("x") + 1), "3×1")
            .hint("…");
        let expected = "\
error: cannot multiply W (5×4) by x (3×1): inner dimensions 4 and 3 differ
 --> 1:7
  |
1 | s = σ(W x)
  |       ^ 5×4
  |         ^ 3×1
  |
  = hint: …";
        assert_eq!(d.render(src), expected);
    }

    #[test]
    fn labels_on_several_lines_quote_each_line_in_order() {
        let src = "a = 1\n\tb = (c\n";
        let d = Diagnostic::new("unclosed `(`")
            .label(Span::new(11, 12), "opened here")
            .label(Span::new(0, 1), "first")
            .label(Span::new(src.len(), src.len()), "end");
        let expected = "\
error: unclosed `(`
 --> 2:6
  |
1 | a = 1
  | ^ first
2 |  b = (c
  |      ^ opened here
  |        ^ end";
        assert_eq!(d.render(src), expected);
    }

    #[test]
    fn no_label_is_just_the_message() {
        assert_eq!(Diagnostic::new("nothing to differentiate").render(""), "error: nothing to differentiate");
        let d = Diagnostic::new("x").hint("y");
        assert_eq!(d.render("abc"), "error: x\n  = hint: y");
    }

    #[test]
    fn spans_off_char_boundaries_do_not_panic() {
        let src = "σσ\r\n";
        for start in 0..=src.len() + 2 {
            let d = Diagnostic::at(Span::new(start, start + 1), "m");
            let _ = d.render(src);
        }
    }
}

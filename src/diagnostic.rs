//! User-facing error messages: a message, the places in the program it is
//! about (each with a caret line and a label), and an optional hint.
//!
//! Rendering (`Diagnostic::render`) needs the source text to turn byte spans
//! into line:column and to quote the line.

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
}

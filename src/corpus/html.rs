//! Web pages: an HTML page -> its text [`Layout`] (what each stretch of the source is:
//! text, a character reference, markup, dropped content; body or boilerplate) and its
//! [`PageMeta`] (headline, publication date, site, author, publisher).
//!
//! The page is tokenized by html5ever's tokenizer (the WHATWG algorithm: raw text in
//! `script`/`style`, RCDATA in `title`/`textarea`, comments, CDATA, every named and numeric
//! character reference). html5ever reports no source positions, so the layout is found by
//! aligning each token with the source: a tag, comment or doctype ends where the tokenizer
//! had consumed the input when it emitted it, and the characters of a text token are
//! matched one by one with the source (a literal character, a `CR LF`, or a character
//! reference that decodes to them). Every byte of the source belongs to exactly one piece,
//! so normalization can map every span back into the original file text.
//!
//! Main content is found the way readability-style extractors do it: paragraphs score
//! their container (1 + punctuation + length, less the share of link text), class and id
//! names such as `article`/`honbun` raise and `nav`/`share`/`related`/`ranking` lower a
//! container, and the best container (with the siblings that score nearly as well) is the
//! article. Everything else — header, navigation, share buttons, related-article lists,
//! footer, the `<title>` element — is kept and marked boilerplate, never deleted. The
//! headline (`<h1>` matching the page title) is body text once; `<title>` and `og:title`
//! give [`PageMeta::title`] without being counted again. `script`, `style`, `noscript`,
//! `template` and comments are dropped.

use std::cell::RefCell;
use std::rc::Rc;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::calendar::Date;

/// What the page says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeta {
    /// Headline: `og:title`, JSON-LD `headline`, `<title>` (without a trailing site
    /// name), or the first `<h1>`.
    pub title: Option<String>,
    /// Publication date: JSON-LD `datePublished`, `article:published_time` (and its
    /// variants), or the first `<time datetime>` of the article. A time with an offset is
    /// converted to Japan time (+09:00).
    pub published: Option<Date>,
    /// The publication time, `HH:MM`, when the page gives one.
    pub published_time: Option<String>,
    /// `og:site_name`.
    pub site_name: Option<String>,
    /// Author: JSON-LD `author`, `<meta name="author">`, `article:author`.
    pub author: Option<String>,
    /// Publisher: JSON-LD `publisher`.
    pub publisher: Option<String>,
}

/// What a stretch of the source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    /// Text, copied as it is (then normalized).
    Text,
    /// A character reference; its decoded text is `decoded[at..at + len]` of the layout.
    Ref {
        /// Start in [`Layout::decoded`].
        at: u32,
        /// Length in bytes.
        len: u8,
    },
    /// Markup that separates blocks: becomes a line break.
    Break,
    /// Markup, or content that is not text (scripts, styles, comments): removed.
    Drop,
}

/// One stretch of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// Start byte in the original text.
    pub start: u32,
    /// End byte (exclusive).
    pub end: u32,
    /// What it is.
    pub kind: PieceKind,
    /// Whether it lies outside the main content.
    pub boilerplate: bool,
}

/// The pieces of a page, in source order, covering it without gaps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// The pieces.
    pub pieces: Vec<Piece>,
    /// Decoded character references.
    pub decoded: String,
}

impl Layout {
    /// The decoded text of a [`PieceKind::Ref`] piece (empty for other kinds).
    pub fn decoded_of(&self, p: &Piece) -> &str {
        match p.kind {
            PieceKind::Ref { at, len } => &self.decoded[at as usize..at as usize + len as usize],
            _ => "",
        }
    }

    /// The text a reader sees in `orig[range]`: references decoded, markup removed
    /// (block markup as a line break). For evidence sentences.
    pub fn visible(&self, orig: &str, range: std::ops::Range<usize>) -> String {
        let mut out = String::with_capacity(range.len());
        let first = self
            .pieces
            .partition_point(|p| (p.end as usize) <= range.start);
        for p in &self.pieces[first..] {
            let (s, e) = (p.start as usize, p.end as usize);
            if s >= range.end {
                break;
            }
            let (a, b) = (s.max(range.start), e.min(range.end));
            match p.kind {
                PieceKind::Text => out.push_str(&orig[a..b]),
                PieceKind::Ref { .. } => out.push_str(self.decoded_of(p)),
                PieceKind::Break if !out.is_empty() && !out.ends_with('\n') && b < range.end => {
                    out.push('\n')
                }
                _ => {}
            }
        }
        out
    }
}

/// Elements whose content is not text.
fn is_dropped(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "iframe"
            | "noembed"
            | "noframes"
            | "object"
            | "svg"
            | "math"
            | "select"
            | "textarea"
            | "canvas"
            | "audio"
            | "video"
    )
}

fn is_void(tag: &str) -> bool {
    matches!(
        tag,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "keygen"
    )
}

/// Elements that start a new line of text.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "br"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "caption"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "footer"
            | "nav"
            | "main"
            | "section"
            | "article"
            | "aside"
            | "blockquote"
            | "pre"
            | "hr"
            | "figure"
            | "figcaption"
            | "address"
            | "details"
            | "summary"
            | "form"
            | "fieldset"
            | "title"
            | "head"
            | "body"
            | "html"
            | "option"
            | "menu"
            | "hgroup"
    )
}

/// Elements an open `<p>` ends at.
fn closes_p(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "details"
            | "div"
            | "dl"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "table"
            | "ul"
            | "li"
            | "dd"
            | "dt"
    )
}

/// Class and id words of containers that are not the article.
const NEGATIVE: &[&str] = &[
    "nav",
    "menu",
    "header",
    "footer",
    "sidebar",
    "side",
    "share",
    "sns",
    "social",
    "related",
    "relation",
    "recommend",
    "ranking",
    "rank",
    "popular",
    "banner",
    "ad-",
    "ads",
    "advert",
    "sponsor",
    "pr-",
    "promo",
    "breadcrumb",
    "topicpath",
    "pankuzu",
    "comment",
    "widget",
    "pickup",
    "tag-list",
    "taglist",
    "pager",
    "pagination",
    "copyright",
    "login",
    "subscribe",
    "newsletter",
    "follow",
    "modal",
    "popup",
    "cookie",
    "gdpr",
    "more-",
    "next-",
    "prev-",
    "author-box",
    "hidden",
];

/// Class and id words of the article.
const POSITIVE: &[&str] = &[
    "article", "body", "content", "entry", "main", "post", "text", "story", "news", "honbun",
    "kiji", "detail", "blog",
];

/// +25 per positive word, -25 per negative word in `class` and `id` (readability's weight).
fn class_weight(class_id: &str) -> i32 {
    if class_id.is_empty() {
        return 0;
    }
    let s = class_id.to_ascii_lowercase();
    let neg = NEGATIVE.iter().any(|w| s.contains(w));
    let pos = POSITIVE.iter().any(|w| s.contains(w));
    i32::from(pos) * 25 - i32::from(neg) * 25
}

/// Tags whose subtree is never the article.
fn is_unlikely_tag(tag: &str) -> bool {
    matches!(
        tag,
        "nav" | "aside" | "footer" | "header" | "form" | "button" | "menu" | "head" | "title"
    )
}

/// One element of the page (a light tree: enough to score containers).
#[derive(Debug, Clone)]
struct Node {
    tag: String,
    parent: usize,
    /// Class/id weight.
    weight: i32,
    /// Characters of text directly inside it.
    own_text: u32,
    /// Characters of text in its subtree, of which inside links, and punctuation.
    text: u32,
    links: u32,
    punct: u32,
    /// Readability score, once it is a candidate.
    score: Option<f64>,
}

/// The tokenizer's sink: aligns tokens with the source and builds the light tree.
struct Sink<'a> {
    src: &'a str,
    queue: Rc<BufferQueue>,
    st: RefCell<State>,
}

#[derive(Default)]
struct State {
    cursor: usize,
    layout: Layout,
    /// Node of each piece (for text pieces).
    piece_node: Vec<u32>,
    nodes: Vec<Node>,
    stack: Vec<usize>,
    /// Depth of dropped elements open, and of links.
    dropping: u32,
    /// Inside raw text (no character references) until this end tag.
    raw: Option<String>,
    in_title: bool,
    title: String,
    metas: Vec<(String, String)>,
    times: Vec<(usize, String)>,
    jsonld: Vec<String>,
    in_jsonld: bool,
    /// Text of each `<h1>` (node, text).
    h1: Vec<(usize, String)>,
}

impl State {
    fn push_piece(&mut self, start: usize, end: usize, kind: PieceKind, node: usize) {
        if end <= start {
            return;
        }
        // Adjacent text of one node is one piece.
        if kind == PieceKind::Text
            && let Some(last) = self.layout.pieces.last_mut()
            && last.kind == PieceKind::Text
            && last.end as usize == start
            && self.piece_node.last() == Some(&(node as u32))
        {
            last.end = end as u32;
            return;
        }
        self.layout.pieces.push(Piece {
            start: start as u32,
            end: end as u32,
            kind,
            boilerplate: false,
        });
        self.piece_node.push(node as u32);
    }

    fn current(&self) -> usize {
        self.stack.last().copied().unwrap_or(0)
    }

    fn in_tag(&self, tag: &str) -> Option<usize> {
        self.stack
            .iter()
            .rev()
            .find(|&&n| self.nodes[n].tag == tag)
            .copied()
    }

    fn pop_to(&mut self, k: usize) {
        while self.stack.len() > k {
            if let Some(n) = self.stack.pop() {
                self.close(n);
            }
        }
    }

    fn close(&mut self, n: usize) {
        if is_dropped(&self.nodes[n].tag) {
            self.dropping = self.dropping.saturating_sub(1);
        }
        if self.nodes[n].tag == "script" {
            self.in_jsonld = false;
        }
        if self.nodes[n].tag == "title" {
            self.in_title = false;
        }
    }

    /// Ends open elements that `tag` implies the end of.
    fn implied_ends(&mut self, tag: &str) {
        let boundary = |t: &str| matches!(t, "table" | "ul" | "ol" | "dl" | "body" | "html");
        let find = |st: &State, names: &[&str]| -> Option<usize> {
            for (k, &n) in st.stack.iter().enumerate().rev() {
                let t = st.nodes[n].tag.as_str();
                if names.contains(&t) {
                    return Some(k);
                }
                if boundary(t) || (t == "div" && names != ["p"]) {
                    return None;
                }
            }
            None
        };
        let names: &[&str] = match tag {
            "li" => &["li"],
            "dd" | "dt" => &["dd", "dt"],
            "tr" => &["tr"],
            "td" | "th" => &["td", "th"],
            "option" => &["option"],
            _ => &[],
        };
        if !names.is_empty()
            && let Some(k) = find(self, names)
        {
            self.pop_to(k);
        }
        if closes_p(tag)
            && let Some(k) = self.stack.iter().rposition(|&n| self.nodes[n].tag == "p")
        {
            self.pop_to(k);
        }
    }
}

fn attr<'t>(tag: &'t html5ever::tokenizer::Tag, name: &str) -> Option<&'t str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

impl Sink<'_> {
    /// Bytes of the source the tokenizer has consumed.
    fn consumed(&self) -> usize {
        let left = self.queue.peek_front_chunk_mut().map_or(0, |c| c.len());
        self.src.len().saturating_sub(left)
    }

    /// A piece of markup ending where the tokenizer is.
    fn markup(&self, st: &mut State, block: bool) {
        let mut end = self.consumed().max(st.cursor);
        // The tokenizer emits a tag as it consumes its '>'; if that did not hold (input
        // pushed back by a character reference), end at the next '>'.
        if end > st.cursor && self.src.as_bytes()[end - 1] != b'>' {
            end = self.src[st.cursor..]
                .find('>')
                .map_or(self.src.len(), |k| st.cursor + k + 1)
                .min(end);
        }
        let node = st.current();
        let kind = if block {
            PieceKind::Break
        } else {
            PieceKind::Drop
        };
        st.push_piece(st.cursor, end, kind, node);
        st.cursor = end;
    }

    fn text(&self, st: &mut State, t: &str) {
        let node = st.current();
        let dropped = st.dropping > 0;
        if st.in_title {
            st.title.push_str(t);
        }
        if st.in_jsonld {
            if let Some(j) = st.jsonld.last_mut() {
                j.push_str(t);
            }
            return self.align(st, t, node, true);
        }
        if let Some(h) = st.in_tag("h1")
            && let Some(entry) = st.h1.iter_mut().find(|(n, _)| *n == h)
        {
            entry.1.push_str(t);
        }
        if !dropped {
            let chars = t.chars().filter(|c| !c.is_whitespace()).count() as u32;
            let punct = t
                .chars()
                .filter(|c| matches!(c, '、' | '。' | ',' | '，'))
                .count() as u32;
            let n = &mut st.nodes[node];
            n.own_text += chars;
            n.punct += punct;
            if st.in_tag("a").is_some() {
                st.nodes[node].links += chars;
            }
        }
        self.align(st, t, node, dropped)
    }

    /// Matches the characters of a text token with the source from the cursor on.
    fn align(&self, st: &mut State, t: &str, node: usize, dropped: bool) {
        let src = self.src;
        let text_kind = if dropped {
            PieceKind::Drop
        } else {
            PieceKind::Text
        };
        let mut exp = t;
        while let Some(c) = exp.chars().next() {
            let at = st.cursor;
            let Some(sc) = src[at..].chars().next() else {
                break;
            };
            if st.raw.is_none()
                && sc == '&'
                && let Some((len, dec)) = char_ref(&src[at..])
                && exp.starts_with(dec.as_str())
            {
                if dropped {
                    st.push_piece(at, at + len, PieceKind::Drop, node);
                } else {
                    let at_dec = st.layout.decoded.len() as u32;
                    st.layout.decoded.push_str(&dec);
                    let kind = PieceKind::Ref {
                        at: at_dec,
                        len: dec.len() as u8,
                    };
                    st.push_piece(at, at + len, kind, node);
                }
                st.cursor = at + len;
                exp = &exp[dec.len()..];
            } else if sc == c || (sc == '\0' && c == '\u{FFFD}') {
                st.push_piece(at, at + sc.len_utf8(), text_kind, node);
                st.cursor = at + sc.len_utf8();
                exp = &exp[c.len_utf8()..];
            } else if sc == '\r' && c == '\n' {
                let len = if src[at + 1..].starts_with('\n') {
                    2
                } else {
                    1
                };
                st.push_piece(at, at + len, text_kind, node);
                st.cursor = at + len;
                exp = &exp[1..];
            } else {
                // Out of step (should not happen): the rest of the token stands for the
                // source up to where the tokenizer is.
                let end = self.consumed().max(at + sc.len_utf8()).min(src.len());
                if dropped {
                    st.push_piece(at, end, PieceKind::Drop, node);
                } else {
                    let at_dec = st.layout.decoded.len() as u32;
                    let rest: String = exp.chars().take(60).collect();
                    st.layout.decoded.push_str(&rest);
                    st.push_piece(
                        at,
                        end,
                        PieceKind::Ref {
                            at: at_dec,
                            len: rest.len() as u8,
                        },
                        node,
                    );
                }
                st.cursor = end;
                break;
            }
        }
    }

    fn tag(&self, st: &mut State, tag: &html5ever::tokenizer::Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        match tag.kind {
            TagKind::StartTag => {
                st.implied_ends(name);
                self.markup(st, is_block(name));
                let in_foreign = st.in_tag("svg").is_some() || st.in_tag("math").is_some();
                let class_id = format!(
                    "{} {}",
                    attr(tag, "class").unwrap_or(""),
                    attr(tag, "id").unwrap_or("")
                );
                let role = attr(tag, "role").unwrap_or("");
                match name {
                    "meta" => {
                        let key = attr(tag, "property")
                            .or_else(|| attr(tag, "name"))
                            .or_else(|| attr(tag, "itemprop"));
                        if let (Some(k), Some(v)) = (key, attr(tag, "content")) {
                            st.metas
                                .push((k.to_ascii_lowercase(), v.trim().to_string()));
                        }
                    }
                    "time" => {
                        if let Some(d) = attr(tag, "datetime") {
                            st.times.push((st.nodes.len(), d.trim().to_string()));
                        }
                    }
                    _ => {}
                }
                if is_void(name) || (in_foreign && tag.self_closing) {
                    return TokenSinkResult::Continue;
                }
                let parent = st.current();
                let mut weight = class_weight(&class_id);
                if matches!(
                    role,
                    "navigation" | "banner" | "complementary" | "contentinfo" | "menu"
                ) {
                    weight -= 25;
                }
                st.nodes.push(Node {
                    tag: name.to_string(),
                    parent,
                    weight,
                    own_text: 0,
                    text: 0,
                    links: 0,
                    punct: 0,
                    score: None,
                });
                let id = st.nodes.len() - 1;
                st.stack.push(id);
                if name == "h1" {
                    st.h1.push((id, String::new()));
                }
                if is_dropped(name) {
                    st.dropping += 1;
                }
                let raw = match name {
                    "script" => {
                        if attr(tag, "type")
                            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
                        {
                            st.in_jsonld = true;
                            st.jsonld.push(String::new());
                        }
                        Some(RawKind::ScriptData)
                    }
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                        Some(RawKind::Rawtext)
                    }
                    "title" | "textarea" => {
                        st.in_title = name == "title";
                        Some(RawKind::Rcdata)
                    }
                    _ => None,
                };
                if let Some(kind) = raw {
                    if kind != RawKind::Rcdata {
                        st.raw = Some(name.to_string());
                    }
                    return TokenSinkResult::RawData(kind);
                }
                if name == "plaintext" {
                    st.raw = Some(name.to_string());
                    return TokenSinkResult::Plaintext;
                }
            }
            TagKind::EndTag => {
                self.markup(st, is_block(name));
                if st.raw.as_deref() == Some(name) {
                    st.raw = None;
                }
                if let Some(k) = st.stack.iter().rposition(|&n| st.nodes[n].tag == name) {
                    st.pop_to(k);
                } else if name == "title" {
                    st.in_title = false;
                }
            }
        }
        TokenSinkResult::Continue
    }
}

impl TokenSink for Sink<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut st = self.st.borrow_mut();
        match token {
            Token::CharacterTokens(t) => self.text(&mut st, &t),
            Token::NullCharacterToken => {
                let at = st.cursor;
                if self.src[at..].starts_with('\0') {
                    let node = st.current();
                    st.push_piece(at, at + 1, PieceKind::Drop, node);
                    st.cursor = at + 1;
                }
            }
            Token::TagToken(tag) => return self.tag(&mut st, &tag),
            Token::CommentToken(_) | Token::DoctypeToken(_) => self.markup(&mut st, false),
            Token::EOFToken | Token::ParseError(_) => {}
        }
        TokenSinkResult::Continue
    }
}

/// The character reference at the start of `s` (which starts with `&`), as the HTML
/// tokenizer reads it in text: its length in bytes and what it decodes to.
fn char_ref(s: &str) -> Option<(usize, String)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let (hexa, from) = match b.get(2) {
            Some(b'x') | Some(b'X') => (true, 3),
            _ => (false, 2),
        };
        let digits = b[from..]
            .iter()
            .take_while(|c| {
                if hexa {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        let num = &s[from..from + digits];
        let v = u32::from_str_radix(num, if hexa { 16 } else { 10 }).unwrap_or(u32::MAX);
        let mut len = from + digits;
        if b.get(len) == Some(&b';') {
            len += 1;
        }
        let c = match v {
            0 => '\u{FFFD}',
            0x80..=0x9F => html5ever::data::C1_REPLACEMENTS[(v - 0x80) as usize]
                .unwrap_or_else(|| char::from_u32(v).unwrap_or('\u{FFFD}')),
            _ => char::from_u32(v).unwrap_or('\u{FFFD}'),
        };
        return Some((len, c.to_string()));
    }
    // Named: the longest name in the table (names are ASCII letters and digits, and end
    // with ';' except for the legacy few).
    let table = &html5ever::data::NAMED_ENTITIES;
    let mut best: Option<(usize, (u32, u32))> = None;
    let mut k = 1;
    while k < b.len() && k < 40 {
        let c = b[k];
        if !(c.is_ascii_alphanumeric() || c == b';') {
            break;
        }
        k += 1;
        let name = &s[1..k];
        match table.get(name) {
            None => break,
            Some(&(0, _)) => {}
            Some(&v) => best = Some((k, v)),
        }
        if c == b';' {
            break;
        }
    }
    let (len, (c1, c2)) = best?;
    let mut out = String::new();
    out.push(char::from_u32(c1)?);
    if c2 != 0 {
        out.push(char::from_u32(c2)?);
    }
    Some((len, out))
}

/// Reads an HTML page (the decoded text): its layout and metadata.
pub fn parse(src: &str) -> (Layout, PageMeta) {
    let queue = Rc::new(BufferQueue::default());
    let sink = Sink {
        src,
        queue: queue.clone(),
        st: RefCell::new(State::default()),
    };
    {
        let mut st = sink.st.borrow_mut();
        st.nodes.push(Node {
            tag: "#document".into(),
            parent: 0,
            weight: 0,
            own_text: 0,
            text: 0,
            links: 0,
            punct: 0,
            score: None,
        });
    }
    let tok = Tokenizer::new(
        sink,
        TokenizerOpts {
            discard_bom: false,
            ..TokenizerOpts::default()
        },
    );
    queue.push_back(StrTendril::from_slice(src));
    let _ = tok.feed(&queue);
    tok.end();
    let sink = tok.sink;
    let mut st = sink.st.into_inner();
    // Whatever the tokenizer did not turn into tokens (an unterminated tag) is dropped.
    let (cursor, len) = (st.cursor, src.len());
    st.push_piece(cursor, len, PieceKind::Drop, 0);
    let mut meta = page_meta(&st);
    mark_boilerplate(&mut st, &mut meta);
    (st.layout, meta)
}

/// Readability: the main content, and everything else marked boilerplate.
fn mark_boilerplate(st: &mut State, meta: &mut PageMeta) {
    let n = st.nodes.len();
    // Subtree sums (a parent always comes before its children).
    for i in 0..n {
        st.nodes[i].text = st.nodes[i].own_text;
    }
    for i in (1..n).rev() {
        let p = st.nodes[i].parent;
        let (t, l, c) = (st.nodes[i].text, st.nodes[i].links, st.nodes[i].punct);
        st.nodes[p].text += t;
        st.nodes[p].links += l;
        st.nodes[p].punct += c;
    }
    // Unlikely: by tag, or by class and id, and everything under them.
    let mut unlikely = vec![false; n];
    for i in 1..n {
        let node = &st.nodes[i];
        unlikely[i] = unlikely[node.parent] || is_unlikely_tag(&node.tag) || node.weight < 0;
    }
    let density = |node: &Node| {
        if node.text == 0 {
            0.0
        } else {
            f64::from(node.links) / f64::from(node.text)
        }
    };
    let base = |node: &Node| -> f64 {
        let t = match node.tag.as_str() {
            "div" => 5.0,
            "article" | "main" => 10.0,
            "pre" | "td" | "blockquote" => 3.0,
            "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
            _ => 0.0,
        };
        t + f64::from(node.weight)
    };
    for i in 1..n {
        if unlikely[i] {
            continue;
        }
        let node = &st.nodes[i];
        let para = matches!(node.tag.as_str(), "p" | "pre" | "td" | "blockquote" | "dd");
        let chars = if para { node.text } else { node.own_text };
        if chars < 25 || !(para || node.own_text >= 25) {
            continue;
        }
        let score = 1.0 + f64::from(node.punct.min(60)) + f64::from((chars / 100).min(3));
        let mut anc = node.parent;
        for level in 0..5 {
            if anc == 0 || unlikely[anc] {
                break;
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                l => f64::from(l) * 3.0,
            };
            let init = base(&st.nodes[anc]);
            let s = st.nodes[anc].score.get_or_insert(init);
            *s += score / divider;
            anc = st.nodes[anc].parent;
        }
        // A paragraph-bearing div is a candidate itself.
        if !para {
            let init = base(&st.nodes[i]);
            let s = st.nodes[i].score.get_or_insert(init);
            *s += score;
        }
    }
    let final_score = |node: &Node| node.score.map(|s| s * (1.0 - density(node)));
    let top = (1..n)
        .filter(|&i| !unlikely[i])
        .filter_map(|i| final_score(&st.nodes[i]).map(|s| (i, s)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    let mut main = vec![false; n];
    let mut body = vec![false; n];
    match top {
        Some((t, s)) if s > 0.0 => {
            main[t] = true;
            let parent = st.nodes[t].parent;
            let threshold = (s * 0.2).max(10.0);
            for i in 1..n {
                if i == t || st.nodes[i].parent != parent || unlikely[i] || parent == 0 {
                    continue;
                }
                let node = &st.nodes[i];
                let d = density(node);
                let keep = final_score(node).is_some_and(|x| x >= threshold)
                    || (node.tag == "p" && node.text > 80 && d < 0.25)
                    || (node.tag == "p" && node.text > 0 && d == 0.0 && node.punct > 0);
                main[i] = keep;
            }
        }
        // No article found: every likely part of the page is the body.
        _ => {
            body[0] = true;
            for i in 1..n {
                main[i] = !unlikely[i];
            }
        }
    }
    // Body: inside the main content and not in a likely-boilerplate part of it (share
    // buttons, related lists, link-heavy lists).
    for i in 1..n {
        let node = &st.nodes[i];
        let p = node.parent;
        let inside = main[i] || (p != 0 && body[p]);
        let list_of_links =
            matches!(node.tag.as_str(), "ul" | "ol" | "dl" | "table") && density(node) > 0.5;
        body[i] = inside && !list_of_links && (main[i] || !unlikely[i]);
    }
    // The headline: the <h1> that matches the title (or the first), counted once as body.
    let headline = st
        .h1
        .iter()
        .find(|(_, t)| {
            let t = t.trim();
            !t.is_empty() && meta.title.as_deref().is_some_and(|m| m.contains(t))
        })
        .or_else(|| st.h1.iter().find(|(_, t)| !t.trim().is_empty()))
        .map(|(k, _)| *k);
    if let Some(h) = headline {
        body[h] = true;
        for i in h + 1..n {
            if body[st.nodes[i].parent] && is_in(&st.nodes, i, h) {
                body[i] = true;
            }
        }
        if meta.title.is_none() {
            meta.title = st.h1.iter().find(|(k, _)| *k == h).map(|(_, t)| squash(t));
        }
    }
    for (p, &node) in st.layout.pieces.iter_mut().zip(&st.piece_node) {
        p.boilerplate = !body[node as usize];
    }
    // The publication date from a <time> of the article, when the head gave none.
    if meta.published.is_none() {
        let chosen = st
            .times
            .iter()
            .find(|(k, _)| *k < n && body[*k])
            .or_else(|| st.times.iter().find(|(k, _)| *k >= n || !unlikely[*k]));
        if let Some((_, d)) = chosen
            && let Some((date, time)) = parse_datetime(d)
        {
            meta.published = Some(date);
            meta.published_time = time;
        }
    }
}

/// Whether node `i` lies under node `anc`.
fn is_in(nodes: &[Node], mut i: usize, anc: usize) -> bool {
    while i != 0 {
        if i == anc {
            return true;
        }
        i = nodes[i].parent;
    }
    false
}

/// Whitespace runs as one space, trimmed.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the head and JSON-LD say.
fn page_meta(st: &State) -> PageMeta {
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| {
            st.metas
                .iter()
                .find(|(n, v)| n == k && !v.is_empty())
                .map(|(_, v)| squash(v))
        })
    };
    let ld = JsonLd::from_scripts(&st.jsonld);
    let site_name = meta(&["og:site_name", "application-name"]);
    let title_tag = Some(squash(&st.title)).filter(|t| !t.is_empty());
    let title = meta(&["og:title", "twitter:title"])
        .or_else(|| ld.headline.clone())
        .or_else(|| title_tag.map(|t| strip_site_suffix(&t, site_name.as_deref())));
    let published = ld
        .date_published
        .iter()
        .cloned()
        .chain(meta(&[
            "article:published_time",
            "og:published_time",
            "datepublished",
            "pubdate",
            "publishdate",
            "date",
            "dc.date",
            "dc.date.issued",
            "citation_publication_date",
        ]))
        .find_map(|d| parse_datetime(&d));
    PageMeta {
        title,
        published: published.as_ref().map(|p| p.0),
        published_time: published.and_then(|p| p.1),
        site_name,
        author: ld
            .author
            .clone()
            .or_else(|| meta(&["author", "article:author", "byl"]))
            .filter(|a| !a.starts_with("http")),
        publisher: ld.publisher.clone(),
    }
}

/// `記事の見出し | サイト名` -> `記事の見出し` (when the site is known or the separator is
/// clear).
fn strip_site_suffix(title: &str, site: Option<&str>) -> String {
    for sep in [
        " | ", "｜", " - ", " – ", " — ", " ― ", "―", "—", " : ", "：", "|", " : ",
    ] {
        if let Some(k) = title.rfind(sep) {
            let (head, tail) = (title[..k].trim(), title[k + sep.len()..].trim());
            let site_like = site.is_some_and(|s| tail.contains(s) || s.contains(tail))
                || tail.chars().count() <= 20 && head.chars().count() > tail.chars().count();
            if site_like && !head.is_empty() {
                return head.to_string();
            }
        }
    }
    title.to_string()
}

/// A date and optional `HH:MM` from the forms pages use: ISO 8601 with or without a time
/// and offset (`2019-07-04T18:05:00+09:00`, `2019-07-04T09:05:00Z`), `2019/07/04 18:05`,
/// `2019年7月4日 18時5分`. A time with an offset is converted to Japan time.
pub fn parse_datetime(s: &str) -> Option<(Date, Option<String>)> {
    let s = s.trim();
    let date = Date::parse_loose(s)?;
    // The time: the first `HH:MM` (or `HH時MM分`) after the date.
    let rest = s
        .find(['T', ' ', '　', '日'])
        .map_or("", |k| &s[k..])
        .trim_start_matches(['T', ' ', '　', '日']);
    let digits = |t: &str| -> Option<(u32, usize)> {
        let n = t.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=2).contains(&n) {
            return None;
        }
        Some((t[..n].parse().ok()?, n))
    };
    let Some((h, n)) = digits(rest) else {
        return Some((date, None));
    };
    let after = &rest[n..];
    let after = after
        .strip_prefix(':')
        .or_else(|| after.strip_prefix('時'))
        .unwrap_or("");
    let Some((m, n2)) = digits(after) else {
        return Some((date, None));
    };
    if h > 23 || m > 59 {
        return Some((date, None));
    }
    let tail = after[n2..].trim_start_matches('分');
    // Seconds and fractions, then an offset.
    let tail = tail.trim_start_matches(|c: char| c == ':' || c == '.' || c.is_ascii_digit());
    let offset_min: Option<i64> = if tail.starts_with(['Z', 'z']) {
        Some(0)
    } else if let Some(sign) = tail.chars().next().filter(|c| matches!(c, '+' | '-')) {
        let t: String = tail[1..].chars().filter(char::is_ascii_digit).collect();
        let (oh, om) = match t.len() {
            4 => (t[..2].parse::<i64>().ok()?, t[2..].parse::<i64>().ok()?),
            2 => (t.parse::<i64>().ok()?, 0),
            _ => return Some((date, Some(format!("{h:02}:{m:02}")))),
        };
        let v = oh * 60 + om;
        Some(if sign == '-' { -v } else { v })
    } else {
        None
    };
    let (date, h, m) = match offset_min {
        Some(off) => {
            let jst = i64::from(h) * 60 + i64::from(m) - off + 9 * 60;
            let day_shift = jst.div_euclid(24 * 60);
            let mins = jst.rem_euclid(24 * 60);
            (
                date.add_days(day_shift)?,
                (mins / 60) as u32,
                (mins % 60) as u32,
            )
        }
        None => (date, h, m),
    };
    Some((date, Some(format!("{h:02}:{m:02}"))))
}

/// What JSON-LD blocks say about the article.
#[derive(Debug, Default)]
struct JsonLd {
    headline: Option<String>,
    date_published: Option<String>,
    author: Option<String>,
    publisher: Option<String>,
}

impl JsonLd {
    fn from_scripts(scripts: &[String]) -> JsonLd {
        let mut out = JsonLd::default();
        for s in scripts {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(s.trim()) else {
                continue;
            };
            let mut objects = Vec::new();
            collect_objects(&v, &mut objects, 0);
            // Articles first, then anything else with the fields.
            objects.sort_by_key(|o| !is_article_type(o));
            for o in objects {
                let text = |k: &str| -> Option<String> {
                    o.get(k)
                        .and_then(|x| x.as_str())
                        .map(squash)
                        .filter(|x| !x.is_empty())
                };
                out.headline = out.headline.take().or_else(|| text("headline"));
                out.date_published = out
                    .date_published
                    .take()
                    .or_else(|| text("datePublished"))
                    .or_else(|| text("dateCreated"));
                out.author = out
                    .author
                    .take()
                    .or_else(|| o.get("author").and_then(name_of));
                out.publisher = out
                    .publisher
                    .take()
                    .or_else(|| o.get("publisher").and_then(name_of));
            }
        }
        out
    }
}

fn is_article_type(o: &serde_json::Map<String, serde_json::Value>) -> bool {
    let is = |t: &str| t.contains("Article") || t.contains("News") || t == "BlogPosting";
    match o.get("@type") {
        Some(serde_json::Value::String(t)) => is(t),
        Some(serde_json::Value::Array(a)) => a.iter().any(|t| t.as_str().is_some_and(is)),
        _ => false,
    }
}

fn collect_objects<'v>(
    v: &'v serde_json::Value,
    out: &mut Vec<&'v serde_json::Map<String, serde_json::Value>>,
    depth: u32,
) {
    if depth > 4 {
        return;
    }
    match v {
        serde_json::Value::Object(o) => {
            out.push(o);
            if let Some(g) = o.get("@graph") {
                collect_objects(g, out, depth + 1);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                collect_objects(x, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// A person or organisation: a string, `{"name": ...}`, or a list of them (joined).
fn name_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(squash(s)).filter(|s| !s.is_empty()),
        serde_json::Value::Object(o) => o.get("name").and_then(name_of),
        serde_json::Value::Array(a) => {
            let names: Vec<String> = a.iter().filter_map(name_of).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

/// The encoding a page declares in its first 1024 bytes (`<meta charset>` or
/// `http-equiv="Content-Type"`), by the HTML prescan's rules, simplified.
pub fn declared_charset(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let text: String = head
        .iter()
        .map(|&b| if b.is_ascii() { b as char } else { ' ' })
        .collect::<String>()
        .to_ascii_lowercase();
    let mut from = 0;
    while let Some(k) = text[from..].find("<meta") {
        let start = from + k;
        let end = text[start..].find('>').map_or(text.len(), |e| start + e);
        let tag = &text[start..end];
        from = end;
        let label = if let Some(p) = tag.find("charset") {
            let rest = tag[p + 7..].trim_start();
            let Some(rest) = rest.strip_prefix('=') else {
                continue;
            };
            let rest = rest.trim_start().trim_start_matches(['"', '\'']);
            rest.split(|c: char| c == '"' || c == '\'' || c == ';' || c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("")
        } else {
            continue;
        };
        if let Some(e) = crate::corpus::encoding_for_label(label) {
            // A page saved as UTF-16 cannot declare it in ASCII bytes.
            return Some(
                if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
                    encoding_rs::UTF_8
                } else {
                    e
                },
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The normalized-free text of the body pieces, references decoded.
    fn body(src: &str, l: &Layout) -> String {
        let mut out = String::new();
        for p in &l.pieces {
            match p.kind {
                PieceKind::Text if !p.boilerplate => {
                    out.push_str(&src[p.start as usize..p.end as usize])
                }
                PieceKind::Ref { .. } if !p.boilerplate => out.push_str(l.decoded_of(p)),
                PieceKind::Break if !out.ends_with('\n') => out.push('\n'),
                _ => {}
            }
        }
        out
    }

    fn check_cover(src: &str, l: &Layout) {
        let mut at = 0;
        for p in &l.pieces {
            assert_eq!(p.start as usize, at, "gap or overlap at {at}: {l:?}");
            assert!(p.end > p.start);
            assert!(src.is_char_boundary(p.end as usize));
            at = p.end as usize;
        }
        assert_eq!(at, src.len());
    }

    #[test]
    fn references_tags_and_dropped_content() {
        let src = "<!DOCTYPE html><html><head><title>見出し&amp;副題 | 日経</title>\
                   <style>p{x:1}</style><script>var a='<p>&amp;';</script></head>\
                   <body><!-- c --><p>被害&ldquo;約5500万円&rdquo;&nbsp;&#x3042;&#12354;&copy\
                   &notit;</p><noscript>4億円</noscript></body></html>";
        let (l, meta) = parse(src);
        check_cover(src, &l);
        assert_eq!(meta.title.as_deref(), Some("見出し&副題"));
        let text = body(src, &l);
        assert!(
            text.contains("被害\u{201C}約5500万円\u{201D}\u{A0}ああ©¬it;"),
            "{text:?}"
        );
        assert!(
            !text.contains("4億円") && !text.contains("var a"),
            "{text:?}"
        );
        assert!(!text.contains("見出し"), "the title element is boilerplate");
        // Every text piece slices the source as written.
        let p = l
            .pieces
            .iter()
            .find(|p| l.decoded_of(p) == "\u{201C}")
            .unwrap();
        assert_eq!(&src[p.start as usize..p.end as usize], "&ldquo;");
        assert_eq!(
            l.visible(src, src.find("被害").unwrap()..src.find("</p>").unwrap()),
            "被害\u{201C}約5500万円\u{201D}\u{A0}ああ©¬it;"
        );
    }

    #[test]
    fn crlf_and_odd_markup_stay_aligned() {
        let src = "<p>a\r\nb\rc</p>< p>x < y</p><p title='a>b'>z</p><br/></x><![CDATA[q]]>";
        let (l, _) = parse(src);
        check_cover(src, &l);
        let text = body(src, &l);
        assert!(text.contains("a\r\nb\rc"), "{text:?}");
        assert!(text.contains("< p>x < y"), "{text:?}");
        assert!(text.contains('z') && !text.contains("title"), "{text:?}");
    }

    #[test]
    fn dates_in_page_forms() {
        let d = |y, m, day| Date::new(y, m, day).unwrap();
        for (s, date, time) in [
            ("2019-07-04", d(2019, 7, 4), None),
            ("2019-07-04T18:05:00+09:00", d(2019, 7, 4), Some("18:05")),
            ("2019-07-03T20:30:00Z", d(2019, 7, 4), Some("05:30")),
            ("2019-07-04T01:00:00.000+0900", d(2019, 7, 4), Some("01:00")),
            ("2019/07/04 18:05", d(2019, 7, 4), Some("18:05")),
            ("2019年7月4日 18時5分", d(2019, 7, 4), Some("18:05")),
        ] {
            let got = parse_datetime(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!((got.0, got.1.as_deref()), (date, time), "{s}");
        }
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn meta_charset_is_found() {
        assert_eq!(
            declared_charset(b"<html><head><meta charset=\"Shift_JIS\">"),
            Some(encoding_rs::SHIFT_JIS)
        );
        assert_eq!(
            declared_charset(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=EUC-JP\">"
            ),
            Some(encoding_rs::EUC_JP)
        );
        assert_eq!(declared_charset(b"<p>no declaration</p>"), None);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn html_soup() -> impl Strategy<Value = String> {
        let parts = prop::sample::select(vec![
            "<p>",
            "</p>",
            "<div class=\"article\">",
            "</div>",
            "<a href=x>",
            "</a>",
            "&amp;",
            "&lt",
            "&#12354;",
            "&#x;",
            "&notin;",
            "&no",
            "<script>",
            "</script>",
            "<style>",
            "</style>",
            "<!--",
            "-->",
            "<title>",
            "</title>",
            "<br/>",
            "<",
            ">",
            "&",
            "\r\n",
            "\r",
            "\n",
            "\0",
            "被害額は",
            "約5500万円",
            "。",
            "、",
            " ",
            "'",
            "\"",
            "=",
            "<ul><li>",
            "</li>",
            "<noscript>",
            "</noscript>",
            "<![CDATA[",
            "]]>",
            "<!DOCTYPE html>",
            "<meta property=\"og:title\" content=\"t\">",
            "<h1>",
            "</h1>",
            "</",
            "<?x?>",
        ])
        .prop_map(str::to_string);
        let any = any::<char>().prop_map(|c| c.to_string());
        prop::collection::vec(prop_oneof![8 => parts, 1 => any], 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn pieces_cover_the_source_in_order(src in html_soup()) {
            let (l, _) = parse(&src);
            let mut at = 0usize;
            for p in &l.pieces {
                prop_assert_eq!(p.start as usize, at);
                prop_assert!(p.end > p.start);
                prop_assert!(src.is_char_boundary(p.end as usize));
                at = p.end as usize;
            }
            prop_assert_eq!(at, src.len());
        }
    }
}

//! Byte-offset spans and the line index that turns them into `line:col` for humans.

/// A half-open byte range `[start, end)` into the script source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset just past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `[start, end)`.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    /// The span as a byte range of the source.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Turns byte offsets into 1-based `line:col` (columns counted in chars) for humans.
/// Built once per source; lookups are a binary search.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset where each line starts; always begins with 0.
    starts: Vec<usize>,
}

impl LineIndex {
    /// The line starts of `src`.
    pub fn new(src: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 0-based index of the line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based line and column (in chars) of a byte offset. Offsets past the end clamp to the
    /// end; an offset inside a multi-byte char counts as that char.
    pub fn line_col(&self, src: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(src.len());
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let bytes = src.as_bytes().get(start..offset).unwrap_or(&[]);
        // Count chars by counting bytes that are not UTF-8 continuation bytes.
        let col = bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count();
        (line + 1, col + 1)
    }

    /// The text of the 1-based `line`, without its line ending.
    pub fn line_text<'a>(&self, src: &'a str, line: usize) -> &'a str {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self.starts.get(line).map_or(src.len(), |&next| next - 1);
        let text = src.get(start..end.max(start)).unwrap_or("");
        text.strip_suffix('\r').unwrap_or(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let src = "var s = 'é'\nvar é = ]";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_col(src, 0), (1, 1));
        assert_eq!(idx.line_col(src, 8), (1, 9));
        // `]` is byte 22 (line 2, byte column 10 for Kapacitor) but char column 9.
        assert_eq!(src.find(']'), Some(22));
        assert_eq!(idx.line_col(src, 22), (2, 9));
        assert_eq!(idx.line_col(src, 999), (2, 10));
        assert_eq!(idx.line_text(src, 1), "var s = 'é'");
        assert_eq!(idx.line_text(src, 2), "var é = ]");
    }

    #[test]
    fn offset_right_after_a_newline_is_the_next_line() {
        let src = "a\r\nb\n";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_col(src, 3), (2, 1));
        assert_eq!(idx.line_text(src, 1), "a");
        assert_eq!(idx.line_col(src, 5), (3, 1));
        assert_eq!(idx.line_text(src, 3), "");
    }
}

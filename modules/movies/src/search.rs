//! Folding titles for search, so that "deja vu" finds "Déjà Vu" on every backend: the folded
//! title is stored beside the title, and a search compares folded text with folded text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowercase, with accents and other combining marks removed (after compatibility
/// decomposition, so "ﬁ" is "fi" and "½" is "1⁄2").
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(fold("Déjà Vu"), "deja vu");
        assert_eq!(
            fold("LE FABULEUX DESTIN D'AMÉLIE POULAIN"),
            "le fabuleux destin d'amelie poulain"
        );
        assert_eq!(fold("Die Fälscher"), "die falscher");
        assert_eq!(fold("Alien³"), "alien3");
    }
}

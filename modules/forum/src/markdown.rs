//! Post bodies: Markdown rendered to HTML, then sanitised, so whatever a user types — `<script>`,
//! `javascript:` links, event attributes — cannot run in another reader's browser.

use pulldown_cmark::{Options, Parser, html};

pub fn render(body: &str) -> String {
    let mut unsafe_html = String::new();
    html::push_html(
        &mut unsafe_html,
        Parser::new_ext(body, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES),
    );
    ammonia::Builder::default()
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_becomes_html_and_scripts_do_not() {
        assert_eq!(render("*Great* film"), "<p><em>Great</em> film</p>\n");
        let attack =
            "[x](javascript:alert(2))\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(3)>";
        let clean = render(attack);
        assert!(!clean.contains("<script"), "{clean}");
        assert!(!clean.contains("href=\"javascript:"), "{clean}");
        assert!(!clean.contains("onerror"), "{clean}");
        assert!(clean.contains(">x</a>"), "the link's text stays: {clean}");
    }
}

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

/// Whatever a user types, the rendered post can run nothing: no script or other active element,
/// no event handler attribute, no link or image to a `javascript:`, `vbscript:` or `data:`
/// address — for inputs made of Markdown, HTML and the usual tricks (entities, case, control
/// characters inside schemes), mixed with arbitrary text.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::render;

    const ACTIVE_ELEMENTS: [&str; 9] = [
        "script", "iframe", "object", "embed", "svg", "math", "style", "form", "base",
    ];
    const BAD_SCHEMES: [&str; 3] = ["javascript:", "vbscript:", "data:"];

    fn fragment() -> impl Strategy<Value = String> {
        let tricks = prop::sample::select(vec![
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//x.example/x.js>",
            "<scr<script>ipt>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href='jav&#x09;ascript:alert(1)'>x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](vbscript:msgbox(1))",
            "![x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x]: javascript:alert(1)\n\n[x]",
            "<javascript:alert(1)>",
            "<svg onload=alert(1)>",
            "<iframe src=//x.example>",
            "<div style=\"background:url(javascript:x)\" onclick=x>",
            "<math><mi xlink:href=\"javascript:x\">",
            "<form action=javascript:x><button>",
            "<p onmouseover=\"x\">",
            "`<script>`",
            "```\n<script>\n```",
            "| a | <b onclick=x> |\n|---|---|\n",
            "<!-- <script> -->",
            "<![CDATA[<script>]]>",
            "&lt;script&gt;",
            "\u{0}",
            "\n\n",
            "> ",
            "* ",
            "~~",
        ]);
        prop_oneof![
            3 => tricks.prop_map(str::to_owned),
            1 => "[ -~]{0,12}",
            1 => any::<String>().prop_map(|s| s.chars().take(12).collect()),
        ]
    }

    /// Attribute values as browsers read them: entities ammonia writes undone, whitespace and
    /// control characters dropped (browsers skip them inside a scheme), lowercase.
    fn as_browsers_read(value: &str) -> String {
        value
            .replace("&quot;", "\"")
            .replace("&nbsp;", " ")
            .replace("&amp;", "&")
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_lowercase()
    }

    /// Every tag of `html` as (name, attributes). Text and attribute values are escaped in the
    /// output, so every `<` starts a tag and attribute values are double-quoted.
    fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut found = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            rest = &rest[start + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
                .collect();
            rest = &rest[name.len()..];
            let mut attributes = Vec::new();
            loop {
                rest = rest.trim_start();
                if rest.is_empty() || rest.starts_with('>') || rest.starts_with("/>") {
                    break;
                }
                let end = rest
                    .find(|c: char| c == '=' || c == '>' || c.is_whitespace())
                    .unwrap_or(rest.len());
                let attribute = rest[..end].to_lowercase();
                rest = &rest[end..];
                let mut value = String::new();
                if let Some(after) = rest.strip_prefix('=') {
                    // Quoted as ammonia writes it; unquoted only if something else wrote it.
                    let (quote, after) = match after.strip_prefix('"') {
                        Some(quoted) => (Some('"'), quoted),
                        None => (None, after),
                    };
                    let close = match quote {
                        Some(quote) => after.find(quote),
                        None => after.find(|c: char| c == '>' || c.is_whitespace()),
                    }
                    .unwrap_or(after.len());
                    value = after[..close].to_owned();
                    rest = &after[close..];
                    rest = rest.strip_prefix('"').unwrap_or(rest);
                } else if attribute.is_empty() {
                    // Not an attribute at all: step over one character.
                    let step = rest.chars().next().map_or(0, char::len_utf8);
                    rest = &rest[step..];
                    continue;
                }
                attributes.push((attribute, value));
            }
            found.push((name.trim_start_matches('/').to_lowercase(), attributes));
        }
        found
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            max_shrink_iters: 2_000,
            // A failure prints its minimal input; no regression files in the source tree.
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn rendered_posts_run_nothing(parts in prop::collection::vec(fragment(), 0..12)) {
            let html = render(&parts.concat());

            for (name, attributes) in tags(&html) {
                prop_assert!(!ACTIVE_ELEMENTS.contains(&name.as_str()), "<{}> in {}", name, html);
                for (attribute, value) in attributes {
                    prop_assert!(!attribute.starts_with("on"), "{} in {}", attribute, html);
                    prop_assert!(attribute != "style", "style in {}", html);
                    let read = as_browsers_read(&value);
                    prop_assert!(
                        !BAD_SCHEMES.iter().any(|scheme| read.starts_with(scheme)),
                        "{}={:?} in {}", attribute, value, html
                    );
                }
            }
            prop_assert!(!html.to_lowercase().contains("<script"), "{}", html);
        }
    }
}

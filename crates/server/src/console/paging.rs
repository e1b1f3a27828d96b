//! Links between the pages of a long list (rules, audit records): previous, "n / m",
//! next, each keeping the list's filters in the query string.

use maud::{html, Markup};

use super::i18n::{Lang, Msg};
use super::layout;

/// `path` with the non-empty `filters` and page `page` (counted from 0) in its query.
fn page_href(path: &str, filters: &[(&str, &str)], page: usize) -> String {
    let page = page.to_string();
    let mut params: Vec<(&str, &str)> = filters
        .iter()
        .copied()
        .filter(|(_, value)| !value.is_empty())
        .collect();
    params.push(("page", &page));
    layout::href(path, &params)
}

/// The links to the pages around `page` of `pages` (nothing when there is one page).
pub(super) fn pager(
    lang: Lang,
    path: &str,
    filters: &[(&str, &str)],
    page: usize,
    pages: usize,
) -> Markup {
    html! {
        @if pages > 1 {
            nav.pages {
                @if page > 0 {
                    a href=(page_href(path, filters, page - 1)) { "← " (lang.t(Msg::PagePrevious)) }
                }
                span { (page + 1) " / " (pages) }
                @if page + 1 < pages {
                    a href=(page_href(path, filters, page + 1)) { (lang.t(Msg::PageNext)) " →" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_encoded() {
        let filters = [("q", "power shell&x"), ("level", ""), ("actor", "user:lan")];
        assert_eq!(
            page_href("/rules", &filters, 2),
            "/rules?q=power+shell%26x&actor=user%3Alan&page=2"
        );
        let links = pager(Lang::En, "/audit", &[], 1, 3).into_string();
        assert!(
            links.contains("href=\"/audit?page=0\"") && links.contains("href=\"/audit?page=2\"")
        );
        assert!(pager(Lang::En, "/audit", &[], 0, 1)
            .into_string()
            .is_empty());
    }
}

//! What ordinary users produce: document names, sites they visit, pages citizens read,
//! browsers and the addresses they come from.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;
use std::net::Ipv4Addr;

use crate::fnv1a;
use crate::province::PUBLIC_DOMAIN;

/// Picks one item of a non-empty list.
pub(crate) fn pick<T: Copy>(items: &[T], rng: &mut StdRng) -> T {
    *items.choose(rng).expect("content lists are not empty")
}

/// Office documents staff open, with `{n}` for a number and `{m}` for a month.
const DOCUMENTS: &[&str] = &[
    "BaoCao_TinhHinh_Thang{m}.docx",
    "KeHoach_CongTac_Thang{m}.docx",
    "Cong_van_so_{n}.pdf",
    "QD_{n}_QD-UBND.pdf",
    "DuToan_NganSach_2025.xlsx",
    "DanhSach_CanBo_CongChuc.xlsx",
    "ToTrinh_{n}.docx",
    "GiayMoi_HopGiaoBan_Thang{m}.pdf",
    "BienBan_Hop_{n}.docx",
    "Báo cáo tổng kết công tác năm 2024.docx",
    "Tờ trình số {n}.docx",
    "Bảng chấm công tháng {m}.xlsx",
    "Kế hoạch chuyển đổi số.pptx",
    "ThongKe_HoSo_DVC_Thang{m}.xlsx",
];

/// Folders documents live in, below the user's profile unless absolute.
const FOLDERS: &[&str] = &[
    "Documents",
    "Downloads",
    "Desktop",
    "D:\\TaiLieu\\2025",
    "D:\\CongVan\\Den",
];

/// A document path for `user` in month `month`.
pub(crate) fn document(user: &str, month: u32, rng: &mut StdRng) -> String {
    let name = pick(DOCUMENTS, rng)
        .replace("{m}", &month.to_string())
        .replace("{n}", &rng.random_range(12..980).to_string());
    let folder = pick(FOLDERS, rng);
    if folder.contains(':') {
        format!("{folder}\\{name}")
    } else {
        format!("C:\\Users\\{user}\\{folder}\\{name}")
    }
}

/// Sites staff browse during the day.
pub(crate) const STAFF_SITES: &[&str] = &[
    "mail.minhson.gov.vn",
    "qlvb.minhson.gov.vn",
    "dichvucong.minhson.gov.vn",
    "dichvucong.gov.vn",
    "vanban.chinhphu.vn",
    "baochinhphu.vn",
    "thuvienphapluat.vn",
    "vnexpress.net",
    "chat.zalo.me",
    "www.google.com",
    "fonts.gstatic.com",
    "hoadondientu.gdt.gov.vn",
    "thongtindoanhnghiep.co",
];

/// The address a name resolves to: stable for the day, internal for the province's own zone.
pub(crate) fn resolve(name: &str) -> Ipv4Addr {
    let h = fnv1a(name).to_be_bytes();
    if name.ends_with(PUBLIC_DOMAIN) {
        Ipv4Addr::new(10, 20, 100, 10 + h[0] % 60)
    } else {
        let first = [14, 42, 103, 104, 113, 118, 125, 142, 203][usize::from(h[0]) % 9];
        Ipv4Addr::new(first, h[1], h[2], 1 + h[3] % 250)
    }
}

/// Browsers and crawlers seen on the public sites, with how often each appears.
const USER_AGENTS: &[(&str, u32)] = &[
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36", 30),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/133.0.166 Chrome/127.0.6533.166 Safari/537.36", 12),
    ("Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.6943.89 Mobile Safari/537.36", 22),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1", 18),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Zalo iOS/479 ZaloTheme/light ZaloLanguage/vn", 8),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 4),
    ("Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)", 3),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 2),
];

/// A visitor's user agent.
pub(crate) fn user_agent(rng: &mut StdRng) -> &'static str {
    USER_AGENTS
        .choose_weighted(rng, |(_, w)| *w)
        .map(|(ua, _)| *ua)
        .expect("weights are positive")
}

/// Address blocks of Vietnamese access providers: first octet and a range for the second.
const VIETNAMESE_BLOCKS: &[(u8, u8, u8)] = &[
    (14, 160, 191),
    (113, 160, 191),
    (27, 64, 79),
    (171, 224, 255),
    (42, 112, 119),
    (116, 96, 111),
    (1, 52, 55),
];

/// A citizen's address at a Vietnamese access provider.
pub(crate) fn citizen_ip(rng: &mut StdRng) -> Ipv4Addr {
    let (a, low, high) = pick(VIETNAMESE_BLOCKS, rng);
    Ipv4Addr::new(
        a,
        rng.random_range(low..=high),
        rng.random(),
        rng.random_range(1..255),
    )
}

/// News articles on agency sites.
const NEWS: &[&str] = &[
    "ubnd-tinh-hop-phien-thuong-ky-thang-3",
    "trien-khai-ke-hoach-chuyen-doi-so-nam-2025",
    "huong-dan-phong-chong-sot-xuat-huyet",
    "thong-bao-tuyen-sinh-lop-10-nam-hoc-2025-2026",
    "lich-tiep-cong-dan-dinh-ky",
    "cong-khai-du-toan-ngan-sach-quy-i",
    "hoi-nghi-so-ket-cong-tac-cai-cach-hanh-chinh",
    "tap-huan-an-toan-thong-tin-cho-can-bo-cong-chuc",
    "ket-qua-chi-so-hai-long-cua-nguoi-dan",
    "thong-bao-lich-nghi-le",
];

/// Pages of an agency site (stem, query), without news.
const SITE_PAGES: &[(&str, &str)] = &[
    ("/", ""),
    ("/gioi-thieu", ""),
    ("/gioi-thieu/co-cau-to-chuc", ""),
    ("/van-ban-phap-luat", "loai=quyet-dinh&nam=2025"),
    ("/van-ban-phap-luat", "loai=cong-van&trang=2"),
    ("/thu-tuc-hanh-chinh", ""),
    ("/lien-he", ""),
    ("/tin-tuc", "trang=2"),
];

/// What citizens type into search boxes.
const SEARCHES: &[&str] = &[
    "cấp đổi giấy phép lái xe",
    "đăng ký khai sinh",
    "lịch tiếp công dân",
    "tuyển sinh lớp 10",
    "chứng thực bản sao",
    "học bổng",
    "tiêm chủng",
];

/// A page a visitor of an agency site opens: (stem, query).
pub(crate) fn site_page(rng: &mut StdRng) -> (String, String) {
    match rng.random_range(0..10) {
        0..=3 => (format!("/tin-tuc/{}", pick(NEWS, rng)), String::new()),
        4 => (
            "/tim-kiem".to_owned(),
            format!("q={}", form_encode(pick(SEARCHES, rng))),
        ),
        _ => {
            let (stem, query) = pick(SITE_PAGES, rng);
            (stem.to_owned(), query.to_owned())
        }
    }
}

/// Static files a page pulls in.
pub(crate) const ASSETS: &[&str] = &[
    "/static/css/portal.min.css",
    "/static/js/main.min.js",
    "/images/logo-minhson.png",
    "/images/banner-chuyen-doi-so.jpg",
    "/favicon.ico",
];

/// Online public service procedures by their national code.
const PROCEDURES: &[&str] = &[
    "1.001612", "1.004227", "2.000908", "1.000894", "2.001157", "1.010723",
];

/// A request a citizen makes on the online public services portal: (method, stem, query).
pub(crate) fn portal_request(step: usize, rng: &mut StdRng) -> (&'static str, String, String) {
    let procedure = pick(PROCEDURES, rng);
    match (step, rng.random_range(0..8)) {
        (0, _) => ("GET", "/".to_owned(), String::new()),
        (_, 0) => (
            "GET",
            "/dich-vu-cong/tim-kiem".to_owned(),
            format!("keyword={}", form_encode(pick(SEARCHES, rng))),
        ),
        (_, 1 | 2) => (
            "GET",
            format!("/thu-tuc/{procedure}.000.00.00.H39"),
            String::new(),
        ),
        (_, 3) => (
            "POST",
            "/nop-ho-so/buoc-2".to_owned(),
            format!("thu_tuc={procedure}"),
        ),
        (_, 4) => (
            "GET",
            "/tra-cuu-ho-so".to_owned(),
            format!(
                "ma_ho_so=H39.25-{}-{:04}",
                rng.random_range(250_301..250_331),
                rng.random_range(1..4000)
            ),
        ),
        (_, 5) => ("POST", "/dang-nhap".to_owned(), String::new()),
        (_, 6) => (
            "GET",
            "/api/thong-bao".to_owned(),
            "trang=1&so_luong=10".to_owned(),
        ),
        _ => ("GET", "/ho-so-cua-toi".to_owned(), String::new()),
    }
}

/// `application/x-www-form-urlencoded` form of text: UTF-8 percent-encoded, spaces as `+`.
pub(crate) fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_keeps_vietnamese_readable_by_servers() {
        assert_eq!(form_encode("học bổng"), "h%E1%BB%8Dc+b%E1%BB%95ng");
    }

    #[test]
    fn names_resolve_stably_and_internal_zone_stays_internal() {
        assert_eq!(resolve("vnexpress.net"), resolve("vnexpress.net"));
        assert!(resolve("mail.minhson.gov.vn").is_private());
        assert!(!resolve("vnexpress.net").is_private());
    }
}

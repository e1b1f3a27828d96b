//! The console's languages and its message catalogue: every string the pages show, in
//! Vietnamese (the default) and English.
//!
//! The language comes from `?lang=vi|en` when given (and is then remembered in the
//! [`LANG_COOKIE`]), else from that cookie, else Vietnamese.

use axum::http::{header, HeaderMap, HeaderValue, Uri};
use vigil_store::db::{AlertLevel, AlertStatus};

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "vigil_lang";

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`, `?lang=` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    fn parse(text: &str) -> Option<Lang> {
        match text {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language asked for in the query string, if any.
    pub fn from_query(uri: &Uri) -> Option<Lang> {
        uri.query()?
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "lang")
            .and_then(|(_, value)| Lang::parse(value))
    }

    /// The language of a request: query string, then cookie, then Vietnamese.
    pub fn of_request(uri: &Uri, headers: &HeaderMap) -> Lang {
        Lang::from_query(uri)
            .or_else(|| {
                headers
                    .get_all(header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(';'))
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, _)| *name == LANG_COOKIE)
                    .and_then(|(_, value)| Lang::parse(value))
            })
            .unwrap_or_default()
    }

    /// `Set-Cookie` that remembers this language for a year.
    pub fn cookie(self) -> HeaderValue {
        HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Max-Age=31536000; SameSite=Lax; Path=/",
            self.code()
        ))
        .expect("language codes are ASCII")
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The translation of `msg`.
    pub fn t(self, msg: Msg) -> &'static str {
        let (vi, en) = msg.texts();
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// The name of an alert level.
    pub fn level(self, level: AlertLevel) -> &'static str {
        self.t(match level {
            AlertLevel::Informational => Msg::LevelInformational,
            AlertLevel::Low => Msg::LevelLow,
            AlertLevel::Medium => Msg::LevelMedium,
            AlertLevel::High => Msg::LevelHigh,
            AlertLevel::Critical => Msg::LevelCritical,
        })
    }

    /// The name of an alert status.
    pub fn status(self, status: AlertStatus) -> &'static str {
        self.t(match status {
            AlertStatus::New => Msg::StatusNew,
            AlertStatus::Acknowledged => Msg::StatusAcknowledged,
            AlertStatus::InProgress => Msg::StatusInProgress,
            AlertStatus::Closed => Msg::StatusClosed,
            AlertStatus::FalsePositive => Msg::StatusFalsePositive,
        })
    }
}

/// Every string of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    AppTagline,
    NavOverview,
    NavAlerts,
    NavSearch,
    NavRules,
    NavAdmin,
    LogOut,
    SwitchLanguage,
    LoginTitle,
    LoginField,
    Password,
    TotpCode,
    TotpHint,
    SignIn,
    WrongLogin,
    NeedsTotp,
    AccountLocked,
    AccountDisabled,
    TooManyAttempts,
    ChangePasswordTitle,
    ChangePasswordHint,
    CurrentPassword,
    NewPassword,
    RepeatPassword,
    ChangePassword,
    PasswordsDiffer,
    PasswordRefused,
    OverviewTitle,
    OpenByLevel,
    OpenByAgency,
    NoOpenAlerts,
    AlertsTitle,
    Level,
    Rule,
    Agency,
    System,
    Host,
    Count,
    FirstSeen,
    LastSeen,
    Status,
    Assignee,
    Any,
    Filter,
    NoAlerts,
    Shown,
    AlertTitle,
    Comments,
    NoComments,
    AddComment,
    NewStatus,
    Unchanged,
    Save,
    Back,
    NotFoundTitle,
    NotFoundText,
    ForbiddenTitle,
    ForbiddenText,
    ConflictTitle,
    ConflictText,
    BadRequestTitle,
    ErrorTitle,
    ErrorText,
    ComingSoon,
    LevelInformational,
    LevelLow,
    LevelMedium,
    LevelHigh,
    LevelCritical,
    StatusNew,
    StatusAcknowledged,
    StatusInProgress,
    StatusClosed,
    StatusFalsePositive,
}

impl Msg {
    /// (Vietnamese, English).
    fn texts(self) -> (&'static str, &'static str) {
        use Msg::*;
        match self {
            AppTagline => ("Trung tâm giám sát an toàn thông tin", "Security operations centre"),
            NavOverview => ("Tổng quan", "Overview"),
            NavAlerts => ("Cảnh báo", "Alerts"),
            NavSearch => ("Tìm kiếm", "Search"),
            NavRules => ("Luật", "Rules"),
            NavAdmin => ("Quản trị", "Admin"),
            LogOut => ("Đăng xuất", "Log out"),
            SwitchLanguage => ("English", "Tiếng Việt"),
            LoginTitle => ("Đăng nhập", "Log in"),
            LoginField => ("Tên đăng nhập", "Login"),
            Password => ("Mật khẩu", "Password"),
            TotpCode => ("Mã xác thực (TOTP)", "Authenticator code (TOTP)"),
            TotpHint => ("Chỉ khi tài khoản đã bật xác thực hai lớp.", "Only if the account has two-factor authentication."),
            SignIn => ("Đăng nhập", "Log in"),
            WrongLogin => ("Sai tên đăng nhập, mật khẩu hoặc mã xác thực.", "Wrong login, password or code."),
            NeedsTotp => ("Tài khoản này cần mã xác thực.", "This account needs an authenticator code."),
            AccountLocked => ("Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần. Hãy thử lại sau.", "The account is locked after repeated failures. Try again later."),
            AccountDisabled => ("Tài khoản đã bị vô hiệu hóa.", "The account is disabled."),
            TooManyAttempts => ("Quá nhiều lần thử. Hãy chờ một phút.", "Too many attempts. Wait a minute."),
            ChangePasswordTitle => ("Đổi mật khẩu", "Change password"),
            ChangePasswordHint => ("Bạn cần đổi mật khẩu dùng một lần trước khi tiếp tục.", "Change your one-time password before you continue."),
            CurrentPassword => ("Mật khẩu hiện tại", "Current password"),
            NewPassword => ("Mật khẩu mới", "New password"),
            RepeatPassword => ("Nhập lại mật khẩu mới", "Repeat the new password"),
            ChangePassword => ("Đổi mật khẩu", "Change password"),
            PasswordsDiffer => ("Hai mật khẩu mới không khớp.", "The new passwords differ."),
            PasswordRefused => ("Mật khẩu hiện tại sai, mật khẩu mới quá yếu, hoặc tài khoản đang bị khóa.", "Wrong current password, a new password that is too weak, or a locked account."),
            OverviewTitle => ("Tổng quan", "Overview"),
            OpenByLevel => ("Cảnh báo đang mở theo mức độ", "Open alerts by level"),
            OpenByAgency => ("Cảnh báo đang mở theo cơ quan", "Open alerts by agency"),
            NoOpenAlerts => ("Không có cảnh báo đang mở.", "No open alerts."),
            AlertsTitle => ("Hàng đợi cảnh báo", "Alert queue"),
            Level => ("Mức độ", "Level"),
            Rule => ("Luật", "Rule"),
            Agency => ("Cơ quan", "Agency"),
            System => ("Hệ thống", "System"),
            Host => ("Máy", "Host"),
            Count => ("Số lần", "Count"),
            FirstSeen => ("Lần đầu", "First seen"),
            LastSeen => ("Lần cuối", "Last seen"),
            Status => ("Trạng thái", "Status"),
            Assignee => ("Người xử lý", "Assignee"),
            Any => ("Tất cả", "Any"),
            Filter => ("Lọc", "Filter"),
            NoAlerts => ("Không có cảnh báo nào.", "No alerts."),
            Shown => ("Hiển thị", "Showing"),
            AlertTitle => ("Cảnh báo", "Alert"),
            Comments => ("Ghi chú", "Comments"),
            NoComments => ("Chưa có ghi chú.", "No comments yet."),
            AddComment => ("Ghi chú", "Comment"),
            NewStatus => ("Chuyển trạng thái", "Change status"),
            Unchanged => ("Giữ nguyên", "Unchanged"),
            Save => ("Lưu", "Save"),
            Back => ("Quay lại", "Back"),
            NotFoundTitle => ("Không tìm thấy", "Not found"),
            NotFoundText => ("Trang hoặc đối tượng này không tồn tại.", "This page or object does not exist."),
            ForbiddenTitle => ("Không được phép", "Not allowed"),
            ForbiddenText => ("Bạn không có quyền thực hiện thao tác này, hoặc phiên làm việc đã hết hạn. Hãy tải lại trang.", "You may not do this, or the form has expired. Reload the page."),
            ConflictTitle => ("Không thể thay đổi", "Cannot change"),
            ConflictText => ("Cảnh báo không thể chuyển sang trạng thái này.", "The alert cannot move to this status."),
            BadRequestTitle => ("Yêu cầu không hợp lệ", "Invalid request"),
            ErrorTitle => ("Lỗi", "Error"),
            ErrorText => ("Đã có lỗi xảy ra. Hãy thử lại.", "Something went wrong. Try again."),
            ComingSoon => ("Trang này sẽ có trong phiên bản sau.", "This page comes in a later version."),
            LevelInformational => ("Thông tin", "Informational"),
            LevelLow => ("Thấp", "Low"),
            LevelMedium => ("Trung bình", "Medium"),
            LevelHigh => ("Cao", "High"),
            LevelCritical => ("Nghiêm trọng", "Critical"),
            StatusNew => ("Mới", "New"),
            StatusAcknowledged => ("Đã tiếp nhận", "Acknowledged"),
            StatusInProgress => ("Đang xử lý", "In progress"),
            StatusClosed => ("Đã đóng", "Closed"),
            StatusFalsePositive => ("Báo động giả", "False positive"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_over_the_cookie_and_vietnamese_is_the_default() {
        let mut headers = HeaderMap::new();
        let plain: Uri = "/login".parse().unwrap();
        assert_eq!(Lang::of_request(&plain, &headers), Lang::Vi);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; vigil_lang=en"),
        );
        assert_eq!(Lang::of_request(&plain, &headers), Lang::En);
        let vi: Uri = "/login?x=1&lang=vi".parse().unwrap();
        assert_eq!(Lang::of_request(&vi, &headers), Lang::Vi);
        let junk: Uri = "/login?lang=fr".parse().unwrap();
        assert_eq!(Lang::from_query(&junk), None);
    }

    #[test]
    fn both_languages_say_something_different_where_it_matters() {
        assert_ne!(Lang::Vi.t(Msg::LoginTitle), Lang::En.t(Msg::LoginTitle));
        assert_eq!(Lang::En.level(AlertLevel::High), "High");
        assert_eq!(Lang::Vi.status(AlertStatus::Closed), "Đã đóng");
    }
}

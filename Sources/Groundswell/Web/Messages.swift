/// Every piece of text the web pages show, in English and Korean. A case without both texts
/// does not compile; `MessagesTests` checks that none is empty and that they differ.
enum Message: CaseIterable {
    case siteName, tagline, home, ideasInAction, rounds, search, signIn, signOut, submitIdea
    case topIdeas, newIdeas, trendingIdeas, categories, votes, comments, noIdeasYet, language, skipToContent
    case roundOpen, footer, inActionIntro, noLaunchesYet, launchedOn, companyNote

    func text(_ language: WebLanguage) -> String {
        let (en, ko) = pair
        return language == .ko ? ko : en
    }

    var pair: (String, String) {
        switch self {
        case .siteName: return ("Groundswell", "그라운드스웰")
        case .tagline: return ("Share an idea, vote, and see what the company puts into action.",
                               "아이디어를 나누고, 투표하고, 회사가 무엇을 실행하는지 확인하세요.")
        case .home: return ("Home", "홈")
        case .ideasInAction: return ("Ideas in action", "실행된 아이디어")
        case .rounds: return ("Rounds", "라운드")
        case .search: return ("Search", "검색")
        case .signIn: return ("Sign in", "로그인")
        case .signOut: return ("Sign out", "로그아웃")
        case .submitIdea: return ("Share an idea", "아이디어 제안하기")
        case .topIdeas: return ("Most voted", "최다 득표")
        case .newIdeas: return ("Newest", "최신")
        case .trendingIdeas: return ("Trending", "인기 상승")
        case .categories: return ("Categories", "카테고리")
        case .votes: return ("votes", "표")
        case .comments: return ("comments", "댓글")
        case .noIdeasYet: return ("No ideas yet. Be the first to share one.", "아직 아이디어가 없습니다. 처음으로 제안해 보세요.")
        case .language: return ("한국어", "English")
        case .skipToContent: return ("Skip to content", "본문으로 건너뛰기")
        case .roundOpen: return ("Round open for votes", "투표 진행 중인 라운드")
        case .footer: return ("Run by the company, for its customers.", "회사가 고객을 위해 운영합니다.")
        case .inActionIntro: return ("Customers' ideas the company has put into action, newest first.",
                                     "회사가 실제로 실행한 고객 아이디어입니다. 최근 순으로 보여 드립니다.")
        case .noLaunchesYet: return ("No idea has been launched yet.", "아직 실행된 아이디어가 없습니다.")
        case .launchedOn: return ("Launched", "실행일")
        case .companyNote: return ("From the company", "회사의 말")
        }
    }
}

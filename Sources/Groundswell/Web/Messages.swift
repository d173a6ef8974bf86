/// Every piece of text the web pages show, in English and Korean. A case without both texts
/// does not compile; `WebTests` checks that none is empty and that they differ.
enum Message: CaseIterable {
    // The frame
    case siteName, tagline, home, ideasInAction, rounds, search, signIn, signOut, signUp, submitIdea, myPage
    case language, skipToContent, footer, mainNavigation
    // Lists
    case topIdeas, newIdeas, trendingIdeas, categories, votes, comments, noIdeasYet, roundOpen, allIdeas
    case inActionIntro, noLaunchesYet, launchedOn, companyNote
    // An idea
    case by, postedOn, category, status, vote, unvote, youVoted, signInToVote, signInToComment
    case discussion, addComment, commentLabel, postComment, noComments, official, timeline, submitted
    case share, shareLink, shareOnX, shareOnFacebook, shareByEmail, mergedNotice, inRound, follow, unfollow
    case ideaClosed
    // Search
    case searchLabel, searchButton, resultsFor, noResults, searchHint, nextPage
    // Submitting
    case submitIntro, titleLabel, titleHint, descriptionLabel, categoryLabel, similarIdeas, similarHint
    case roundEntry, noRoundEntry, tierLabel, requestedAmountLabel, submitButton, signInToSubmit
    // Rounds
    case roundsIntro, noRounds, stateUpcoming, stateSubmissions, stateVoting, stateClosed
    case submissionsWindow, votingWindow, tiers, winners, votesPerDay, maxEntries, budget, rules
    case leaderboard, rank, idea, remainingVotes, votesSpent, resetsIn, awards, amount, tally, voided, downloadResults
    case noEntries, leaderboardFinal, leaderboardLive, entries, wholeRanking
    // The customer's own page
    case myIdeas, myVotes, myComments, exportData, exportHint, profile, nameLabel, emailLabel, contactOptIn
    case save, deleteAccount, deleteWarning, deleteConfirmLabel, deleteButton, passwordSection, currentPassword
    case newPassword, passwordHint, setPassword, sessions, thisDevice, lastSeen, signOutDevice, nothingYet, votedOn
    // Signing in and up
    case passwordLabel, signInButton, signUpButton, noAccount, haveAccount, signInIntro, signUpIntro
    // Notices after a form
    case noticeSignedIn, noticeSignedOut, noticeWelcome, noticeVoted, noticeUnvoted, noticeCommented
    case noticeSubmitted, noticeSaved, noticeDeleted, noticePasswordSet, noticeFollowing, noticeUnfollowed, noticeRevoked
    // Errors
    case errorTitle, notFoundTitle, notFoundText, errorCode, errorCSRF, errorUnauthorized, errorInvalidCredentials
    case errorRateLimited, errorAlreadyVoted, errorVoteLimit, errorBanned, errorEmailTaken, errorRoundFull, errorGeneric
    case errorWrongPassword, backTo
    // The staff console
    case console, customerSite, analytics, moderation, users, fraud, health, staffMembers, consoleSignInIntro, staffToken
    case needsAdmin, openFlags, noOpenFlags, hideTarget, dismissFlag, target, reason, ideaAdmin, changeStatus, publicNote
    case saveStatus, mergeInto, mergeButton, similarToMerge, disqualify, disqualifyButton, visibility, hideIdea, showIdea
    case hiddenNow, officialReply, postReply, history, lookUp, lookUpHint, ban, unban, voidVotes, bannedNow, createRound
    case roundName, submissionsOpenAt, submissionsCloseAt, votingOpensAt, votingClosesAt, currency, mode, tiersField, tiersHint
    case timezone, preview, closeRound, closeWarning, addCategory, deleteCategory, addStaff, role, revoke, newToken
    case noFindings, accounts, voidReason, voidButton, webhooks, alerts, resolve, noAlerts, filters, from, to, interval, apply
    case ladderTitle, ladderDescription, concentrationTitle, concentrationDescription, advocatesTitle, cohortsTitle
    case responsivenessTitle, funnelTitle, roundsTitle, downloadCSV, period, spectators, contributors, creators, gini
    case topShare, score, weekOf, size, medianHours, p90Hours, within7, within30, backlog, stage, reached, conversion
    case hoursInStage, voters, votesPerVoter, voidedShare, turnout, flowsTitle, allCategories, allRounds, noData, dataAsOf
    case deliveries, failing, ok, noticeDone, dayLabel, weekLabel, monthLabel
    case campaignsTitle, campaignsIntro, campaignLabel, campaignHint, visits, addCampaign
    case errorVoteNotFound, errorIdeaMerged, errorNotEligible, errorRoundClosed, errorRoundNotOpen, errorUnknownCategory
    case errorCampaignExists
    case videosAndLinks, video, playVideo, videoPrivacy, addLinkLabel, addLinkHint, addLink
    case pictures, pictureFile, pictureHint, pictureAlt, pictureAltHint, addPicture, removePicture, openPicture

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
        case .signUp: return ("Sign up", "회원가입")
        case .submitIdea: return ("Share an idea", "아이디어 제안하기")
        case .myPage: return ("My page", "내 페이지")
        case .language: return ("한국어", "English")
        case .skipToContent: return ("Skip to content", "본문으로 건너뛰기")
        case .footer: return ("Run by the company, for its customers.", "회사가 고객을 위해 운영합니다.")
        case .mainNavigation: return ("Main", "주 메뉴")
        case .topIdeas: return ("Most voted", "최다 득표")
        case .newIdeas: return ("Newest", "최신")
        case .trendingIdeas: return ("Trending", "인기 상승")
        case .categories: return ("Categories", "카테고리")
        case .votes: return ("votes", "표")
        case .comments: return ("comments", "댓글")
        case .noIdeasYet: return ("No ideas yet. Be the first to share one.", "아직 아이디어가 없습니다. 처음으로 제안해 보세요.")
        case .roundOpen: return ("Round open for votes", "투표 진행 중인 라운드")
        case .allIdeas: return ("All ideas", "전체 아이디어")
        case .inActionIntro: return ("Customers' ideas the company has put into action, newest first.",
                                     "회사가 실제로 실행한 고객 아이디어입니다. 최근 순으로 보여 드립니다.")
        case .noLaunchesYet: return ("No idea has been launched yet.", "아직 실행된 아이디어가 없습니다.")
        case .launchedOn: return ("Launched", "실행일")
        case .companyNote: return ("From the company", "회사의 말")
        case .by: return ("by", "작성자")
        case .postedOn: return ("posted", "등록일")
        case .category: return ("Category", "카테고리")
        case .status: return ("Status", "상태")
        case .vote: return ("Vote for this idea", "이 아이디어에 투표")
        case .unvote: return ("Take back my vote", "투표 취소")
        case .youVoted: return ("You voted for this idea.", "이 아이디어에 투표했습니다.")
        case .signInToVote: return ("Sign in to vote", "투표하려면 로그인하세요")
        case .signInToComment: return ("Sign in to join the discussion.", "토론에 참여하려면 로그인하세요.")
        case .discussion: return ("Discussion", "토론")
        case .addComment: return ("Add a comment", "댓글 쓰기")
        case .commentLabel: return ("Your comment", "댓글 내용")
        case .postComment: return ("Post comment", "댓글 등록")
        case .noComments: return ("No comments yet.", "아직 댓글이 없습니다.")
        case .official: return ("Official answer from the company", "회사의 공식 답변")
        case .timeline: return ("Status timeline", "진행 상황")
        case .submitted: return ("Submitted", "제안됨")
        case .share: return ("Share", "공유하기")
        case .shareLink: return ("Link to this idea", "이 아이디어 링크")
        case .shareOnX: return ("Share on X", "X에 공유")
        case .shareOnFacebook: return ("Share on Facebook", "페이스북에 공유")
        case .shareByEmail: return ("Share by email", "이메일로 공유")
        case .mergedNotice: return ("The idea you followed was merged into this one; its votes and comments are here now.",
                                    "찾으시던 아이디어가 이 아이디어로 합쳐졌습니다. 투표와 댓글도 이곳으로 옮겨졌습니다.")
        case .inRound: return ("Entered in the round", "참가 라운드")
        case .follow: return ("Follow this idea", "이 아이디어 팔로우")
        case .unfollow: return ("Stop following", "팔로우 취소")
        case .ideaClosed: return ("This idea is closed for votes and comments.", "이 아이디어는 투표와 댓글이 마감되었습니다.")
        case .searchLabel: return ("Search ideas", "아이디어 검색")
        case .searchButton: return ("Search", "검색")
        case .resultsFor: return ("Results for", "검색 결과:")
        case .noResults: return ("No idea matches your search.", "검색어와 일치하는 아이디어가 없습니다.")
        case .nextPage: return ("Next page →", "다음 페이지 →")
        case .searchHint: return ("Search titles and descriptions, in Korean or English.", "제목과 설명을 한국어나 영어로 검색하세요.")
        case .submitIntro: return ("Tell the company what you would like it to do. Others can vote for it and discuss it.",
                                   "회사에 바라는 점을 알려 주세요. 다른 고객이 투표하고 의견을 나눌 수 있습니다.")
        case .titleLabel: return ("Title", "제목")
        case .titleHint: return ("3 to 140 characters.", "3자에서 140자까지.")
        case .descriptionLabel: return ("Describe your idea", "아이디어 설명")
        case .categoryLabel: return ("Category", "카테고리")
        case .similarIdeas: return ("Similar ideas already shared", "이미 제안된 비슷한 아이디어")
        case .similarHint: return ("If one of these is your idea, vote for it instead.", "이 중에 같은 아이디어가 있다면 대신 투표해 주세요.")
        case .roundEntry: return ("Enter a funding round", "지원 라운드 참가")
        case .noRoundEntry: return ("No round (a regular idea)", "라운드 없음 (일반 아이디어)")
        case .tierLabel: return ("Grant tier", "지원 등급")
        case .requestedAmountLabel: return ("Amount requested", "요청 금액")
        case .submitButton: return ("Share my idea", "아이디어 등록")
        case .signInToSubmit: return ("Sign in to share an idea.", "아이디어를 제안하려면 로그인하세요.")
        case .roundsIntro: return ("Funding rounds: customers enter ideas, everyone votes, the top ideas win grants.",
                                   "지원 라운드: 고객이 아이디어를 내고, 모두가 투표하고, 상위 아이디어가 지원금을 받습니다.")
        case .noRounds: return ("No rounds yet.", "아직 라운드가 없습니다.")
        case .stateUpcoming: return ("Upcoming", "예정")
        case .stateSubmissions: return ("Taking entries", "참가 접수 중")
        case .stateVoting: return ("Voting open", "투표 진행 중")
        case .stateClosed: return ("Closed", "종료")
        case .submissionsWindow: return ("Entries", "참가 접수")
        case .votingWindow: return ("Voting", "투표 기간")
        case .tiers: return ("Grant tiers", "지원 등급")
        case .winners: return ("winners", "명 선정")
        case .votesPerDay: return ("Votes per customer per day", "하루 1인당 투표 수")
        case .maxEntries: return ("Entries accepted", "최대 참가 수")
        case .budget: return ("Budget", "예산")
        case .rules: return ("Rules", "규칙")
        case .leaderboard: return ("Leaderboard", "순위표")
        case .rank: return ("Rank", "순위")
        case .idea: return ("Idea", "아이디어")
        case .remainingVotes: return ("Votes left today", "오늘 남은 투표 수")
        case .votesSpent: return ("You have used all of today's votes in this round.", "이 라운드에서 오늘의 투표를 모두 사용했습니다.")
        case .resetsIn: return ("New votes in", "투표 충전까지")
        case .awards: return ("Awards", "수상")
        case .amount: return ("Amount", "금액")
        case .tally: return ("Published tally", "공개 집계")
        case .voided: return ("voided", "무효")
        case .downloadResults: return ("Download the results (CSV)", "결과 내려받기 (CSV)")
        case .entries: return ("entries", "개 참가")
        case .noEntries: return ("No entries yet.", "아직 참가한 아이디어가 없습니다.")
        case .leaderboardFinal: return ("Final ranking", "최종 순위")
        case .leaderboardLive: return ("Live ranking, updated as votes arrive", "실시간 순위 (투표에 따라 갱신)")
        case .wholeRanking: return ("The whole ranking (JSON)", "전체 순위 (JSON)")
        case .myIdeas: return ("My ideas", "내 아이디어")
        case .myVotes: return ("My votes", "내 투표")
        case .myComments: return ("My comments", "내 댓글")
        case .exportData: return ("Download my data", "내 데이터 내려받기")
        case .exportHint: return ("Everything we hold about you, as a JSON file.", "저장된 내 모든 정보를 JSON 파일로 받습니다.")
        case .profile: return ("Profile", "프로필")
        case .nameLabel: return ("Name shown with your ideas", "아이디어에 표시될 이름")
        case .emailLabel: return ("Email", "이메일")
        case .contactOptIn: return ("The company may email me about my ideas and news", "회사가 내 아이디어와 소식을 이메일로 보내도 됩니다")
        case .save: return ("Save", "저장")
        case .deleteAccount: return ("Delete my account", "계정 삭제")
        case .deleteWarning: return ("Your name, email and password are erased and you are signed out everywhere. Your ideas and comments stay, shown as by a former member.",
                                     "이름, 이메일, 비밀번호가 삭제되고 모든 기기에서 로그아웃됩니다. 아이디어와 댓글은 '탈퇴한 회원'의 글로 남습니다.")
        case .deleteConfirmLabel: return ("Type DELETE to confirm", "확인을 위해 DELETE를 입력하세요")
        case .deleteButton: return ("Delete my account now", "지금 계정 삭제")
        case .passwordSection: return ("Password", "비밀번호")
        case .currentPassword: return ("Current password", "현재 비밀번호")
        case .newPassword: return ("New password", "새 비밀번호")
        case .passwordHint: return ("At least 8 characters. A long phrase is easiest to remember.", "8자 이상. 긴 문장이 기억하기 쉽습니다.")
        case .setPassword: return ("Change password", "비밀번호 변경")
        case .sessions: return ("Where you are signed in", "로그인된 기기")
        case .thisDevice: return ("this device", "현재 기기")
        case .lastSeen: return ("last seen", "최근 사용")
        case .signOutDevice: return ("Sign out there", "로그아웃")
        case .nothingYet: return ("Nothing yet.", "아직 없습니다.")
        case .votedOn: return ("voted", "투표일")
        case .passwordLabel: return ("Password", "비밀번호")
        case .signInButton: return ("Sign in", "로그인")
        case .signUpButton: return ("Create my account", "계정 만들기")
        case .noAccount: return ("New here? Create an account", "처음이신가요? 계정을 만드세요")
        case .haveAccount: return ("Already have an account? Sign in", "이미 계정이 있나요? 로그인")
        case .signInIntro: return ("Sign in with your email and password.", "이메일과 비밀번호로 로그인하세요.")
        case .signUpIntro: return ("Create an account to share ideas, vote and comment.", "계정을 만들면 아이디어 제안, 투표, 댓글을 할 수 있습니다.")
        case .noticeSignedIn: return ("You are signed in.", "로그인되었습니다.")
        case .noticeSignedOut: return ("You are signed out.", "로그아웃되었습니다.")
        case .noticeWelcome: return ("Welcome! Your account is ready.", "환영합니다! 계정이 만들어졌습니다.")
        case .noticeVoted: return ("Your vote is counted.", "투표가 반영되었습니다.")
        case .noticeUnvoted: return ("Your vote is taken back.", "투표가 취소되었습니다.")
        case .noticeCommented: return ("Your comment is posted.", "댓글이 등록되었습니다.")
        case .noticeSubmitted: return ("Your idea is shared. Tell your friends!", "아이디어가 등록되었습니다. 친구들에게 알려 주세요!")
        case .noticeSaved: return ("Saved.", "저장되었습니다.")
        case .noticeDeleted: return ("Your account is deleted.", "계정이 삭제되었습니다.")
        case .noticePasswordSet: return ("Your password is changed; other devices are signed out.", "비밀번호가 변경되었습니다. 다른 기기는 로그아웃되었습니다.")
        case .noticeFollowing: return ("You follow this idea and will hear about its progress.", "이 아이디어를 팔로우합니다. 진행 소식을 알려 드립니다.")
        case .noticeUnfollowed: return ("You no longer follow this idea.", "이 아이디어의 팔로우를 취소했습니다.")
        case .noticeRevoked: return ("That device is signed out.", "해당 기기에서 로그아웃되었습니다.")
        case .errorTitle: return ("Something needs your attention", "확인이 필요합니다")
        case .notFoundTitle: return ("Page not found", "페이지를 찾을 수 없습니다")
        case .notFoundText: return ("There is nothing here, or it was removed.", "내용이 없거나 삭제되었습니다.")
        case .errorCode: return ("Error code", "오류 코드")
        case .errorCSRF: return ("This form has expired or did not come from this site. Please try again.",
                                 "양식이 만료되었거나 이 사이트에서 보낸 것이 아닙니다. 다시 시도해 주세요.")
        case .errorUnauthorized: return ("Please sign in first.", "먼저 로그인해 주세요.")
        case .errorInvalidCredentials: return ("The email or the password is not right.", "이메일 또는 비밀번호가 올바르지 않습니다.")
        case .errorRateLimited: return ("Too many attempts. Please wait a few minutes and try again.", "시도가 너무 많습니다. 몇 분 후 다시 시도해 주세요.")
        case .errorAlreadyVoted: return ("You have already voted for this idea.", "이미 이 아이디어에 투표했습니다.")
        case .errorVoteLimit: return ("You have used all of today's votes in this round. New votes come at midnight in the round's time zone.",
                                      "이 라운드에서 오늘의 투표를 모두 사용했습니다. 라운드 시간대 기준 자정에 다시 충전됩니다.")
        case .errorBanned: return ("This account is suspended.", "이 계정은 이용이 정지되었습니다.")
        case .errorEmailTaken: return ("An account with this email already exists. Sign in instead.", "이 이메일로 가입된 계정이 이미 있습니다. 로그인해 주세요.")
        case .errorRoundFull: return ("This round takes no more entries.", "이 라운드는 더 이상 참가를 받지 않습니다.")
        case .errorGeneric: return ("That did not work:", "처리하지 못했습니다:")
        case .errorWrongPassword: return ("The current password is not right.", "현재 비밀번호가 올바르지 않습니다.")
        case .backTo: return ("Go back", "돌아가기")
        case .console: return ("Staff console", "운영 콘솔")
        case .customerSite: return ("Customer site", "고객 사이트")
        case .analytics: return ("Analytics", "분석")
        case .moderation: return ("Moderation", "검토")
        case .users: return ("Customers", "고객")
        case .fraud: return ("Fraud review", "부정 투표 검토")
        case .health: return ("Webhooks and alerts", "웹훅과 알림")
        case .staffMembers: return ("Staff", "운영진")
        case .consoleSignInIntro: return ("Sign in once with your staff token; the console keeps you signed in for 12 hours.",
                                          "운영진 토큰으로 한 번 로그인하면 12시간 동안 유지됩니다.")
        case .staffToken: return ("Staff token", "운영진 토큰")
        case .needsAdmin: return ("This needs the admin role.", "관리자 권한이 필요합니다.")
        case .openFlags: return ("Open flags", "처리 대기 신고")
        case .noOpenFlags: return ("No open flags. Well done.", "처리할 신고가 없습니다.")
        case .hideTarget: return ("Hide it", "숨기기")
        case .dismissFlag: return ("Dismiss", "기각")
        case .target: return ("Flagged", "신고 대상")
        case .reason: return ("Reason", "사유")
        case .ideaAdmin: return ("Idea (staff view)", "아이디어 (운영 화면)")
        case .changeStatus: return ("Change the status", "상태 변경")
        case .publicNote: return ("Public note (shown on the idea's timeline)", "공개 메모 (아이디어 진행 상황에 표시)")
        case .saveStatus: return ("Change status", "상태 변경")
        case .mergeInto: return ("Merge into idea number", "합칠 대상 아이디어 번호")
        case .mergeButton: return ("Merge", "합치기")
        case .similarToMerge: return ("Similar ideas (candidates for a merge)", "비슷한 아이디어 (합치기 후보)")
        case .disqualify: return ("Disqualify from its round", "라운드 실격 처리")
        case .disqualifyButton: return ("Disqualify", "실격")
        case .visibility: return ("Visibility", "공개 여부")
        case .hideIdea: return ("Hide from customers", "고객에게 숨기기")
        case .showIdea: return ("Show again", "다시 공개")
        case .hiddenNow: return ("Hidden from customers.", "고객에게 숨겨진 상태입니다.")
        case .officialReply: return ("Answer as the company", "회사 이름으로 답변")
        case .postReply: return ("Post the answer", "답변 등록")
        case .history: return ("History", "이력")
        case .lookUp: return ("Look up a customer", "고객 찾기")
        case .lookUpHint: return ("Account number or email address.", "계정 번호 또는 이메일 주소.")
        case .ban: return ("Ban", "이용 정지")
        case .unban: return ("Lift the ban", "정지 해제")
        case .voidVotes: return ("Also void this account's votes", "이 계정의 투표도 무효 처리")
        case .bannedNow: return ("Banned.", "이용 정지 상태입니다.")
        case .createRound: return ("Create a round", "라운드 만들기")
        case .roundName: return ("Name", "이름")
        case .submissionsOpenAt: return ("Entries open (UTC, e.g. 2026-12-01T00:00:00Z)", "참가 시작 (UTC, 예: 2026-12-01T00:00:00Z)")
        case .submissionsCloseAt: return ("Entries close", "참가 마감")
        case .votingOpensAt: return ("Voting opens", "투표 시작")
        case .votingClosesAt: return ("Voting closes", "투표 마감")
        case .currency: return ("Currency (ISO 4217)", "통화 (ISO 4217)")
        case .mode: return ("Mode", "방식")
        case .tiersField: return ("Tiers", "지원 등급")
        case .tiersHint: return ("One per line: name, amount, winners — e.g. 5K, 5000, 10", "한 줄에 하나씩: 이름, 금액, 선정 수 — 예: 5K, 5000, 10")
        case .timezone: return ("Time zone (IANA)", "시간대 (IANA)")
        case .preview: return ("Preview of the awards", "수상 미리보기")
        case .closeRound: return ("Close the round now", "지금 라운드 종료")
        case .closeWarning: return ("Closing freezes the tally and makes the awards. It cannot be undone.",
                                    "종료하면 집계가 확정되고 수상이 결정됩니다. 되돌릴 수 없습니다.")
        case .addCategory: return ("Add a category", "카테고리 추가")
        case .deleteCategory: return ("Delete", "삭제")
        case .addStaff: return ("Add a staff member", "운영진 추가")
        case .role: return ("Role", "권한")
        case .revoke: return ("Revoke", "해지")
        case .newToken: return ("The new token, shown only now:", "새 토큰 (지금만 표시됩니다):")
        case .noFindings: return ("No suspicious patterns found.", "의심스러운 패턴이 없습니다.")
        case .accounts: return ("Accounts", "계정")
        case .voidReason: return ("Reason for voiding", "무효 사유")
        case .voidButton: return ("Void these accounts' votes", "이 계정들의 투표 무효 처리")
        case .webhooks: return ("Webhooks", "웹훅")
        case .alerts: return ("Alerts", "알림")
        case .resolve: return ("Resolve", "해결")
        case .noAlerts: return ("No open alerts.", "열린 알림이 없습니다.")
        case .filters: return ("Filters", "필터")
        case .from: return ("From", "시작일")
        case .to: return ("To", "종료일")
        case .interval: return ("Interval", "단위")
        case .apply: return ("Apply", "적용")
        case .ladderTitle: return ("Customer energy: spectators, contributors, creators", "고객 참여 사다리: 관람자, 기여자, 창작자")
        case .ladderDescription: return ("Active people per period by the highest rung they reached.", "기간별 활동 인원을 도달한 가장 높은 단계로 나눈 수.")
        case .concentrationTitle: return ("Concentration of participation", "참여 집중도")
        case .concentrationDescription: return ("Lorenz curve of votes: the share of all votes made by the least active share of customers.",
                                                "투표의 로렌츠 곡선: 활동이 적은 고객 비율이 만든 투표의 비율.")
        case .advocatesTitle: return ("Advocates", "지지자")
        case .cohortsTitle: return ("Retention by sign-up week", "가입 주별 유지율")
        case .responsivenessTitle: return ("Does the company answer?", "회사가 답하고 있나요?")
        case .funnelTitle: return ("Pipeline", "진행 단계")
        case .roundsTitle: return ("Rounds", "라운드")
        case .downloadCSV: return ("Download CSV", "CSV 내려받기")
        case .period: return ("Period", "기간")
        case .spectators: return ("Spectators", "관람자")
        case .contributors: return ("Contributors", "기여자")
        case .creators: return ("Creators", "창작자")
        case .gini: return ("Gini", "지니 계수")
        case .topShare: return ("Share of the top 1 % / 10 % / 20 %", "상위 1% / 10% / 20%의 비중")
        case .score: return ("Score", "점수")
        case .weekOf: return ("Week of", "주 시작일")
        case .size: return ("Customers", "고객 수")
        case .medianHours: return ("Median hours to answer", "답변까지 중앙값(시간)")
        case .p90Hours: return ("90th percentile (hours)", "90번째 백분위(시간)")
        case .within7: return ("Answered within 7 days", "7일 내 답변")
        case .within30: return ("Answered within 30 days", "30일 내 답변")
        case .backlog: return ("Unanswered: <7, 7–30, 30–90, >90 days", "미답변: 7일 미만, 7–30, 30–90, 90일 초과")
        case .stage: return ("Stage", "단계")
        case .reached: return ("Reached", "도달")
        case .conversion: return ("Conversion", "전환율")
        case .hoursInStage: return ("Median hours in stage", "단계 체류 중앙값(시간)")
        case .voters: return ("Voters", "투표자")
        case .votesPerVoter: return ("Votes per voter", "1인당 투표")
        case .voidedShare: return ("Voided as fraud", "부정 투표 무효 비율")
        case .turnout: return ("Votes per day", "일별 투표")
        case .flowsTitle: return ("Movement since the period before", "직전 기간 대비 이동")
        case .allCategories: return ("All categories", "전체 카테고리")
        case .allRounds: return ("All rounds", "전체 라운드")
        case .noData: return ("No activity in this range yet.", "이 기간에는 아직 활동이 없습니다.")
        case .dataAsOf: return ("Figures as of", "집계 기준 시각")
        case .deliveries: return ("Deliveries", "전송")
        case .failing: return ("failing", "실패 중")
        case .ok: return ("healthy", "정상")
        case .noticeDone: return ("Done.", "처리되었습니다.")
        case .dayLabel: return ("Day", "일")
        case .weekLabel: return ("Week", "주")
        case .monthLabel: return ("Month", "월")
        case .campaignsTitle: return ("Your campaign links", "내 캠페인 링크")
        case .campaignsIntro: return ("Share a different link in each place you post, and see which brought visits and votes (a browser counts once a week; no one is tracked).",
                                      "게시하는 곳마다 다른 링크를 공유하고, 어떤 링크가 방문과 투표를 가져왔는지 확인하세요 (브라우저당 일주일에 한 번 집계, 개인 추적 없음).")
        case .campaignLabel: return ("Label", "라벨")
        case .campaignHint: return ("Lower-case letters, digits, - and _, e.g. instagram-bio.", "영문 소문자, 숫자, -, _ (예: instagram-bio).")
        case .visits: return ("Visits", "방문")
        case .addCampaign: return ("Make the link", "링크 만들기")
        case .errorVoteNotFound: return ("You have not voted for this idea.", "이 아이디어에 투표한 적이 없습니다.")
        case .errorIdeaMerged: return ("This idea was merged into another; vote and comment there.", "이 아이디어는 다른 아이디어로 합쳐졌습니다. 그곳에서 투표하고 댓글을 남겨 주세요.")
        case .errorNotEligible: return ("This idea is not competing in the round.", "이 아이디어는 라운드에 참가 중이 아닙니다.")
        case .errorRoundClosed: return ("This round is closed.", "이 라운드는 종료되었습니다.")
        case .errorRoundNotOpen: return ("This round is not open for that now.", "지금은 이 라운드에서 그 일을 할 수 없습니다.")
        case .errorUnknownCategory: return ("Please choose one of the categories offered.", "제시된 카테고리 중 하나를 골라 주세요.")
        case .videosAndLinks: return ("Videos and links", "동영상과 링크")
        case .pictures: return ("Pictures", "사진")
        case .pictureFile: return ("Picture (JPEG, PNG or WebP)", "사진 (JPEG, PNG, WebP)")
        case .pictureHint: return ("Up to 5 MB. Location and camera details are removed before it is stored.",
                                   "5MB까지. 위치와 카메라 정보는 저장하기 전에 지워집니다.")
        case .pictureAlt: return ("Describe the picture", "사진 설명")
        case .pictureAltHint: return ("For people who cannot see it (optional).", "사진을 볼 수 없는 분들을 위한 설명 (선택)")
        case .addPicture: return ("Add picture", "사진 추가")
        case .removePicture: return ("Remove picture", "사진 삭제")
        case .openPicture: return ("Open the full-size picture", "원본 크기 사진 열기")
        case .video: return ("Video", "동영상")
        case .playVideo: return ("Play the video", "동영상 재생")
        case .videoPrivacy: return ("Nothing loads from the video site until you press play.", "재생을 누르기 전에는 동영상 사이트에서 아무것도 불러오지 않습니다.")
        case .addLinkLabel: return ("A video or link for your idea", "아이디어에 붙일 동영상이나 링크")
        case .addLinkHint: return ("YouTube and Vimeo videos play here; other links are shown as links.", "YouTube와 Vimeo 동영상은 여기서 재생되고, 다른 링크는 링크로 표시됩니다.")
        case .addLink: return ("Attach", "붙이기")
        case .errorCampaignExists: return ("You already have a link with that label.", "같은 라벨의 링크가 이미 있습니다.")
        }
    }

    /// The reader-facing text for an API error code, where one is worth more than the API's
    /// own (English, developer-facing) message.
    static func forError(_ code: String) -> Message? {
        switch code {
        case "csrf_failed": return .errorCSRF
        case "unauthorized": return .errorUnauthorized
        case "invalid_credentials": return .errorInvalidCredentials
        case "rate_limited": return .errorRateLimited
        case "already_voted": return .errorAlreadyVoted
        case "vote_limit": return .errorVoteLimit
        case "banned": return .errorBanned
        case "email_taken": return .errorEmailTaken
        case "round_full": return .errorRoundFull
        case "wrong_password": return .errorWrongPassword
        case "not_found": return .notFoundText
        case "vote_not_found": return .errorVoteNotFound
        case "idea_merged": return .errorIdeaMerged
        case "not_eligible": return .errorNotEligible
        case "round_closed": return .errorRoundClosed
        case "round_not_open": return .errorRoundNotOpen
        case "unknown_category": return .errorUnknownCategory
        case "campaign_exists": return .errorCampaignExists
        default: return nil
        }
    }
}

import XCTest

/// The search relevance set (issue 13): ideas in Korean, English, Japanese and Chinese as
/// customers write them, and queries with the ideas a person would expect to find. Queries
/// use particles, endings, spacing variants, full-width letters and other spellings; typos
/// in Latin script are out of scope. Keys name ideas; `relevant` lists every key a good
/// search returns for the query.
enum SearchRelevanceSet {
    struct Idea {
        let key: String
        let title: String
        let description: String
    }

    struct Query {
        let text: String
        let relevant: Set<String>
    }

    static let ideas: [Idea] = [
        // Korean
        Idea(key: "ko-tumbler", title: "매장에서 텀블러를 빌려주세요", description: "일회용 컵 대신 텀블러를 대여하는 서비스를 제안합니다."),
        Idea(key: "ko-tumbler-discount", title: "개인 텀블러 할인을 늘려 주세요", description: "텀블러를 가져오면 300원이 아니라 500원을 할인해 주면 좋겠어요."),
        Idea(key: "ko-oat", title: "귀리 우유 옵션 추가", description: "우유 대신 귀리 우유를 선택할 수 있게 해주세요. 추가 요금 없이요."),
        Idea(key: "ko-app-order", title: "앱 주문 시 픽업 시간 알림", description: "사이렌 오더로 주문하면 음료가 준비됐을 때 알림을 보내 주세요."),
        Idea(key: "ko-parking", title: "드라이브 스루 매장 주차 공간 확대", description: "주말마다 주차장이 부족해서 오래 기다립니다."),
        Idea(key: "ko-decaf", title: "디카페인 원두를 모든 매장에", description: "저녁에도 커피를 마시고 싶은데 디카페인 커피가 없는 매장이 많아요."),
        Idea(key: "ko-straw", title: "종이 빨대가 금방 눅눅해져요", description: "종이 빨대 대신 옥수수 전분 빨대를 써 보면 어떨까요?"),
        Idea(key: "ko-pet", title: "반려견과 함께 갈 수 있는 매장", description: "테라스에 반려동물 동반 좌석을 만들어 주세요."),
        Idea(key: "ko-study", title: "공부하기 좋은 조용한 좌석", description: "콘센트가 있는 1인 좌석을 늘려 주세요. 노트북 사용자가 많습니다."),
        Idea(key: "ko-apple", title: "사과 주스를 판매해 주세요", description: "아이들이 마실 수 있는 100% 사과 주스가 있으면 좋겠습니다."),
        Idea(key: "ko-apology", title: "주문 실수 때 사과문 대신 쿠폰을", description: "음료가 잘못 나왔을 때 쿠폰으로 보상해 주세요."),
        Idea(key: "ko-recycle", title: "컵 재활용 수거함 설치", description: "매장 입구에 플라스틱 컵 분리수거함을 두면 재활용이 쉬워집니다."),
        Idea(key: "ko-bakery", title: "비건 빵 메뉴를 늘려 주세요", description: "달걀과 우유를 쓰지 않은 비건 베이커리가 더 많았으면 합니다."),
        Idea(key: "ko-delivery", title: "배달 주문 최소 금액 낮추기", description: "혼자 마실 커피 한 잔도 배달로 주문할 수 있게 해주세요."),
        Idea(key: "ko-wifi", title: "매장 와이파이가 자주 끊겨요", description: "와이파이 속도를 개선해 주세요. 화상 회의가 어렵습니다."),
        Idea(key: "ko-card", title: "선불 카드 잔액 이전 기능", description: "잃어버린 카드의 잔액을 새 카드로 옮길 수 있으면 좋겠어요."),
        // English
        Idea(key: "en-oat", title: "Oat milk at no extra charge", description: "Offer oat milk in every store without the plant milk surcharge."),
        Idea(key: "en-reusable", title: "Discount for reusable cups", description: "Give a bigger discount when customers bring their own reusable cup."),
        Idea(key: "en-mobile-order", title: "Mobile order pickup notifications", description: "Send a push notification when my mobile order is ready at the counter."),
        Idea(key: "en-decaf", title: "Decaf cold brew", description: "Please offer a decaf version of the cold brew for the afternoon."),
        Idea(key: "en-straws", title: "Better straws than paper", description: "Paper straws go soggy; try plant-based straws instead."),
        Idea(key: "en-dogs", title: "Dog-friendly patios", description: "Add water bowls and a dog-friendly area on store patios."),
        Idea(key: "en-outlets", title: "More power outlets for laptops", description: "Students need outlets near the quiet seating area."),
        Idea(key: "en-vegan", title: "Vegan pastries", description: "A vegan croissant and more pastries without eggs or dairy."),
        Idea(key: "en-recycling", title: "Recycling bins for cups and lids", description: "Put recycling bins at the door so cups and lids are sorted."),
        Idea(key: "en-wifi", title: "Faster Wi-Fi in stores", description: "The Wi-Fi drops during video calls; please upgrade it."),
        Idea(key: "en-gift-card", title: "Transfer a lost gift card balance", description: "Let me move the balance of a lost gift card to a new card."),
        Idea(key: "en-cafe-music", title: "Café music playlist", description: "Publish the café playlist so we can listen at home."),
        Idea(key: "en-apple", title: "Apple cinnamon oatmeal", description: "Bring back the apple cinnamon oatmeal for breakfast."),
        Idea(key: "en-delivery", title: "Lower the delivery minimum", description: "Let one coffee be delivered without a minimum order."),
        // Japanese
        Idea(key: "ja-tumbler", title: "マイタンブラー割引を増やしてほしい", description: "タンブラーを持参したら50円引きにしてください。"),
        Idea(key: "ja-oat", title: "オーツミルクを無料で選べるように", description: "豆乳と同じようにオーツミルクも追加料金なしにしてほしいです。"),
        Idea(key: "ja-mobile", title: "モバイルオーダーの受け取り通知", description: "ドリンクができたらアプリで通知してください。"),
        Idea(key: "ja-decaf", title: "デカフェのコーヒーを全店舗で", description: "夜でも飲めるデカフェのメニューを増やしてください。"),
        Idea(key: "ja-straw", title: "紙ストローがすぐふやける", description: "紙ストローの代わりに植物由来のストローを使ってほしい。"),
        Idea(key: "ja-dog", title: "犬と一緒に入れるテラス席", description: "ペット同伴できる店舗を増やしてください。"),
        Idea(key: "ja-outlet", title: "電源のある席を増やして", description: "ノートパソコンで作業する人のためにコンセント席がほしいです。"),
        Idea(key: "ja-tokyo", title: "東京のカフェ限定メニュー", description: "東京駅の店舗だけで飲める限定ドリンクを作ってほしい。"),
        Idea(key: "ja-recycle", title: "カップのリサイクルボックス", description: "店の入口にカップとふたの分別ボックスを置いてください。"),
        Idea(key: "ja-vegan", title: "ヴィーガンのパンを増やして", description: "卵や乳製品を使わないパンやケーキがほしいです。"),
        Idea(key: "ja-halfwidth", title: "ｶﾌｪﾗﾃのサイズを選びたい", description: "もっと小さいサイズのカフェラテがあるとうれしい。"),
        Idea(key: "ja-matcha", title: "抹茶ラテの甘さ控えめ", description: "抹茶ラテの砂糖を減らせるようにしてください。"),
        Idea(key: "ja-wifi", title: "店内Wi-Fiが遅い", description: "ビデオ会議ができるようにWi-Fiを速くしてほしい。"),
        Idea(key: "ja-card", title: "なくしたカードの残高を移したい", description: "紛失したプリペイドカードの残高を新しいカードに移せるように。"),
        // Chinese
        Idea(key: "zh-tumbler", title: "自带杯子多给优惠", description: "自带环保杯的顾客应该得到更多折扣。"),
        Idea(key: "zh-oat", title: "燕麦奶免费升级", description: "希望燕麦奶和牛奶同价,不要额外收费。"),
        Idea(key: "zh-mobile", title: "手机点单取餐提醒", description: "饮品做好后请通过应用推送通知我。"),
        Idea(key: "zh-decaf", title: "所有门店提供低因咖啡", description: "晚上也想喝咖啡,希望每家门店都有低因咖啡。"),
        Idea(key: "zh-straw", title: "纸吸管太容易变软", description: "建议改用植物材料做的吸管。"),
        Idea(key: "zh-pet", title: "宠物友好门店", description: "希望户外座位可以带狗狗一起来。"),
        Idea(key: "zh-outlet", title: "增加有插座的座位", description: "很多人带笔记本电脑工作,需要插座。"),
        Idea(key: "zh-recycle", title: "杯子回收箱", description: "在门口放置杯子和杯盖的分类回收箱。"),
        Idea(key: "zh-vegan", title: "更多纯素面包", description: "希望有不含鸡蛋和牛奶的纯素面包。"),
        Idea(key: "zh-wifi", title: "门店无线网络太慢", description: "视频会议经常断线,请提升无线网络速度。"),
        Idea(key: "zh-card", title: "遗失礼品卡余额转移", description: "希望能把遗失的礼品卡余额转到新卡上。"),
        Idea(key: "zh-tea", title: "环保的杯子和茶饮", description: "推出使用环保杯子的茶饮套餐。"),
        Idea(key: "zh-delivery", title: "降低外卖起送金额", description: "一杯咖啡也能外卖配送。"),
        Idea(key: "zh-mooncake", title: "中秋节限定月饼", description: "中秋节推出咖啡口味的月饼礼盒。"),
        // Mixed scripts and width
        Idea(key: "mix-wifi-ko", title: "Wi-Fi 비밀번호를 영수증에", description: "영수증에 와이파이 비밀번호를 인쇄해 주세요."),
        Idea(key: "mix-latte", title: "ＬＡＴＴＥ art class", description: "Teach latte art to customers on weekends."),
    ]

    static let queries: [Query] = [
        // Korean: stems find inflected forms; particles and endings in the query are dropped.
        Query(text: "텀블러", relevant: ["ko-tumbler", "ko-tumbler-discount"]),
        Query(text: "텀블러를", relevant: ["ko-tumbler", "ko-tumbler-discount"]),
        Query(text: "대여", relevant: ["ko-tumbler"]),
        Query(text: "대여하는", relevant: ["ko-tumbler"]),
        Query(text: "매장", relevant: ["ko-tumbler", "ko-parking", "ko-decaf", "ko-pet", "ko-recycle", "ko-wifi"]),
        Query(text: "텀블러 대여", relevant: ["ko-tumbler"]),
        Query(text: "귀리우유", relevant: ["ko-oat"]),
        Query(text: "귀리 우유를", relevant: ["ko-oat"]),
        Query(text: "디카페인", relevant: ["ko-decaf"]),
        Query(text: "빨대", relevant: ["ko-straw"]),
        Query(text: "반려동물", relevant: ["ko-pet"]),
        Query(text: "콘센트", relevant: ["ko-study"]),
        Query(text: "비건 빵", relevant: ["ko-bakery"]),
        Query(text: "배달", relevant: ["ko-delivery"]),
        Query(text: "와이파이", relevant: ["ko-wifi", "mix-wifi-ko"]),
        Query(text: "잔액", relevant: ["ko-card"]),
        Query(text: "재활용", relevant: ["ko-recycle"]),
        Query(text: "컵", relevant: ["ko-tumbler", "ko-recycle"]),
        Query(text: "사과 주스", relevant: ["ko-apple"]),
        // English: today's word matching, case and accents folded.
        Query(text: "oat milk", relevant: ["en-oat"]),
        Query(text: "OAT MILK", relevant: ["en-oat"]),
        Query(text: "reusable cup", relevant: ["en-reusable"]),
        Query(text: "decaf", relevant: ["en-decaf"]),
        Query(text: "straws", relevant: ["en-straws"]),
        Query(text: "dog-friendly", relevant: ["en-dogs"]),
        Query(text: "outlets", relevant: ["en-outlets"]),
        Query(text: "vegan pastries", relevant: ["en-vegan"]),
        Query(text: "recycling bins", relevant: ["en-recycling"]),
        Query(text: "cafe", relevant: ["en-cafe-music"]),
        Query(text: "gift card balance", relevant: ["en-gift-card"]),
        Query(text: "Wi-Fi", relevant: ["en-wifi", "ja-wifi", "mix-wifi-ko"]),
        Query(text: "latte art", relevant: ["mix-latte"]),
        Query(text: "apple", relevant: ["en-apple"]),
        // Japanese: script changes split the query, particles are dropped.
        Query(text: "タンブラー", relevant: ["ja-tumbler"]),
        Query(text: "オーツミルク", relevant: ["ja-oat"]),
        Query(text: "モバイルオーダー", relevant: ["ja-mobile"]),
        Query(text: "デカフェ", relevant: ["ja-decaf"]),
        Query(text: "ストロー", relevant: ["ja-straw"]),
        Query(text: "東京のカフェ", relevant: ["ja-tokyo"]),
        Query(text: "コンセント", relevant: ["ja-outlet"]),
        Query(text: "カフェラテ", relevant: ["ja-halfwidth"]),
        Query(text: "抹茶ラテ", relevant: ["ja-matcha"]),
        Query(text: "残高", relevant: ["ja-card"]),
        Query(text: "ヴィーガン", relevant: ["ja-vegan"]),
        // Chinese: compounds found inside longer runs; 的 dropped.
        Query(text: "燕麦奶", relevant: ["zh-oat"]),
        Query(text: "低因咖啡", relevant: ["zh-decaf"]),
        Query(text: "吸管", relevant: ["zh-straw"]),
        Query(text: "插座", relevant: ["zh-outlet"]),
        Query(text: "回收箱", relevant: ["zh-recycle"]),
        Query(text: "纯素面包", relevant: ["zh-vegan"]),
        Query(text: "无线网络", relevant: ["zh-wifi"]),
        Query(text: "礼品卡", relevant: ["zh-card"]),
        Query(text: "环保的杯子", relevant: ["zh-tumbler", "zh-tea"]),
        Query(text: "外卖", relevant: ["zh-delivery"]),
        Query(text: "月饼", relevant: ["zh-mooncake"]),
    ]

    /// Runs every query through `search` (the keys of the ideas it returns, best first) and
    /// checks the set's bars: recall@10 ≥ 0.95 and precision@5 ≥ 0.8, every imperfect query named
    /// (printed, and in the failure message). Recall@10: the share of a query's relevant ideas
    /// among its first 10 results, averaged over queries. Precision@5: the share of the first five
    /// results (fewer if fewer came back; none counts as 0) that are relevant, averaged.
    static func assertRelevant(engine: String, file: StaticString = #filePath, line: UInt = #line,
                               _ search: (Query) throws -> [String]) rethrows {
        var recallSum = 0.0, precisionSum = 0.0
        var failures: [String] = []
        for query in queries {
            let found = try search(query)
            let recall = Double(query.relevant.intersection(found.prefix(10)).count) / Double(query.relevant.count)
            let top = found.prefix(5)
            let precision = top.isEmpty ? 0 : Double(top.filter(query.relevant.contains).count) / Double(top.count)
            recallSum += recall
            precisionSum += precision
            if recall < 1 || precision < 1 {
                failures.append("'\(query.text)': recall \(recall), precision@5 \(precision), got \(found), want \(query.relevant.sorted())")
            }
        }
        let count = Double(queries.count)
        let recall = recallSum / count, precision = precisionSum / count
        print("\(engine) search relevance: \(queries.count) queries over \(ideas.count) ideas, recall@10 \(recall), precision@5 \(precision)")
        XCTAssertGreaterThanOrEqual(recall, 0.95, "recall@10 \(recall); failing queries:\n" + failures.joined(separator: "\n"), file: file, line: line)
        XCTAssertGreaterThanOrEqual(precision, 0.8, "precision@5 \(precision); failing queries:\n" + failures.joined(separator: "\n"),
                                    file: file, line: line)
        for failure in failures { print("\(engine) search relevance: not perfect: \(failure)") }
    }
}

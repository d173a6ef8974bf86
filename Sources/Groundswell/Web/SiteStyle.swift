/// The site's look: one small stylesheet (system fonts, Noto Sans KR/CJK for Korean), laid
/// out for a phone first and widened on larger screens. Colours meet WCAG 2.2 AA contrast.
/// To change the look, change this file; the URL changes with it (WebAssets).
enum SiteStyle {
    static let css = """
        :root{--ink:#1d2327;--muted:#4f565c;--accent:#0b6e4f;--accent-ink:#fff;--line:#c9ced3;--bg:#fff;--soft:#f3f6f4;--warn:#8a1c1c;font-family:system-ui,-apple-system,"Segoe UI","Noto Sans KR","Noto Sans CJK KR","Apple SD Gothic Neo",sans-serif;line-height:1.55;color:var(--ink);background:var(--bg)}
        *{box-sizing:border-box}
        body{margin:0;word-break:keep-all;overflow-wrap:anywhere}
        a{color:var(--accent)}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #b36b00;outline-offset:2px}
        .skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem;z-index:2}
        .skip:focus{left:.5rem}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
        footer.site{padding:.75rem 1rem;border-top:1px solid var(--line);color:var(--muted);margin-top:2rem}
        .brand{font-weight:700;font-size:1.25rem;text-decoration:none;margin-right:auto}
        form.search{display:flex;gap:.25rem;order:3;flex:1 1 100%}
        form.search input{flex:1;min-width:0}
        nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0}
        nav a[aria-current=page]{font-weight:700}
        main{max-width:62rem;margin:0 auto;padding:1rem}
        h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
        h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
        .lead{font-size:1.1rem}
        .columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1.5rem}
        ol.ideas,ol.comments,ol.timeline,ul.cards,ul.sessions{list-style:none;padding:0;margin:0}
        ol.ideas>li,ol.comments>li,ul.sessions>li{padding:.6rem 0;border-bottom:1px solid var(--line)}
        ol.ideas h2{font-size:1.05rem;margin:0}
        .meta{color:var(--muted);font-size:.9rem;margin:.2rem 0}
        .badge{display:inline-block;border:1px solid var(--line);border-radius:1rem;padding:0 .55rem;font-size:.85rem;background:var(--soft);color:var(--ink)}
        .status-launched{border-color:var(--accent)}
        ul.tags{list-style:none;display:flex;flex-wrap:wrap;gap:.5rem;padding:0}
        ul.tags li{border:1px solid var(--line);border-radius:1rem;padding:.1rem .7rem}
        .banner{border:2px solid var(--accent);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
        .notice:not(:empty){background:var(--soft);border-left:4px solid var(--accent);padding:.5rem .75rem;margin:0 0 1rem}
        .error{border-left:4px solid var(--warn);background:#fdf1f1;padding:.5rem .75rem;margin:0 0 1rem}
        .description{white-space:pre-line}
        .vote-box{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
        .vote-box .count{font-size:1.1rem;margin:0}
        .vote-box .number{font-size:1.6rem;font-weight:700}
        .voted{margin:0;color:var(--accent);font-weight:600}
        button,.button{font:inherit;display:inline-block;border:1px solid var(--accent);border-radius:.4rem;padding:.45rem 1rem;background:#fff;color:var(--accent);cursor:pointer;text-decoration:none;min-height:44px}
        button.primary,.button.primary{background:var(--accent);color:var(--accent-ink)}
        button.danger{background:var(--warn);border-color:var(--warn);color:#fff}
        button.small{padding:.2rem .6rem;min-height:36px}
        button.link{border:0;background:none;color:var(--accent);text-decoration:underline;padding:0;min-height:0}
        form.inline{display:inline}
        form.stack{display:flex;flex-direction:column;gap:.9rem;max-width:40rem}
        form.narrow{max-width:26rem}
        .field{display:flex;flex-direction:column;gap:.25rem}
        .field label{font-weight:600}
        .hint{color:var(--muted);font-size:.9rem;margin:0}
        .check{display:flex;gap:.5rem;align-items:flex-start}
        input,select,textarea{font:inherit;padding:.45rem .55rem;border:1px solid #767676;border-radius:.35rem;max-width:100%}
        fieldset{border:1px solid var(--line);border-radius:.5rem}
        blockquote{margin:.5rem 0;padding:.5rem .75rem;border-left:4px solid var(--accent);background:var(--soft)}
        blockquote p{margin:0}
        blockquote footer{color:var(--muted);font-size:.85rem}
        ol.timeline li{padding:.35rem 0 .35rem 1rem;border-left:3px solid var(--line)}
        ol.comments li.official{background:var(--soft);padding-left:.75rem;border-left:4px solid var(--accent)}
        .share input{width:100%}
        .similar{border:1px dashed var(--accent);border-radius:.5rem;padding:.5rem .75rem}
        .similar h2{margin-top:0;font-size:1rem}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:.4rem;border-bottom:1px solid var(--line);vertical-align:top}
        tr.winning td:first-child{font-weight:700}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
        dl.facts dd{margin:0}
        ul.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
        .card{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem}
        .card h2{margin-top:0}
        .allowance{border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem;background:var(--soft)}
        .allowance .spent{font-weight:700;color:var(--warn)}
        .danger{border-top:2px solid var(--warn);margin-top:2rem}
        mark{background:#ffe58a;color:inherit}
        .table-wrap{overflow-x:auto;max-width:100%}
        caption{text-align:left;font-weight:600;padding:.25rem 0}
        svg.chart{max-width:100%;height:auto;display:block;margin:.5rem 0}
        form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin-bottom:1rem}
        pre.evidence{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--soft);padding:.5rem;font-size:.85rem}
        code{overflow-wrap:anywhere}
        header.console{background:var(--soft)}
        ul.attachments{list-style:none;padding:0}
        .embed iframe{border:0;max-width:100%;aspect-ratio:16/9;height:auto;width:560px}
        ul.gallery{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
        ul.gallery img{max-width:100%;height:auto;display:block;border-radius:.25rem}
        ul.gallery figure{margin:0;max-width:20rem}
        img.thumb{float:right;width:4.5rem;height:auto;margin-left:.75rem;border-radius:.25rem}
        li.with-cover{overflow:hidden}
        @media (min-width:48rem){form.search{order:0;flex:0 1 18rem}h1{font-size:2rem}}
        """
}

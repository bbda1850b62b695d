{#- The first sentences of the abstracts of one chunk of list/papers.js's papers, in its order
    (sitegen/render/pages.py), for the cards view: a script, not JSON, so that it loads from
    file:// too. -#}
SitegenList.receiveSummaries({{ number }}, {{ data }});

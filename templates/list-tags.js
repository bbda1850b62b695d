{#- The tags of every paper of list/papers.js, in its order (sitegen/render/listing.py), for
    static/list/*.js: a file apart, since a tag edit changes it alone. -#}
SitegenList.receiveTags({{ data }});

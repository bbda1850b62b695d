{#- Every paper in a few fields (sitegen/render/listing.py), for static/list/*.js: a script,
    not JSON, so that it loads from file:// too. -#}
SitegenList.receive({{ data }});

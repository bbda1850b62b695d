{#- The tags of the map's points and the regions' labels (sitegen/render/mapview.py
    map_tags), for static/map/*.js: a file apart, since a tag edit changes it alone. -#}
window.SitegenMapTags={{ data }};

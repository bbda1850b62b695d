{#- The map's points (sitegen/render/mapview.py map_data), for static/map/*.js: a script, not
    JSON, so that it loads from file:// too. -#}
window.SitegenMapData={{ data }};

"""Pure geometry: layout values, stocks, grids, crop marks, duplex placement, slip geometry.

Nothing here touches the database. Coordinates are PDF points (1/72 in) from the page's
top-left corner, y pointing down, as in the print manifest.
"""

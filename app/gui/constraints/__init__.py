"""Constraints tab: protocol results per plan and composite, hand mappings."""

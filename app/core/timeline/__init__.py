"""(reserved for a later issue)"""

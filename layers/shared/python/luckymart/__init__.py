"""LuckyMart shared Lambda layer: configuration, database access, HTTP contract, auth, money, fair draw."""

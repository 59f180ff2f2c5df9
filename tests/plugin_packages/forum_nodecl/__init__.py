"""A package that forgot to declare itself."""

# ISO rules.

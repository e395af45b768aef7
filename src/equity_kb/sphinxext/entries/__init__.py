"""The entries and their domain: front matter read into the `kb` domain, the nodes the
extension leaves in doctrees, conf values and warnings."""

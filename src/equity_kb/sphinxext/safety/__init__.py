"""The build's safety: one build per output folder, a killed build repaired by the next,
the build's state kept out of the site folder, write errors said once."""

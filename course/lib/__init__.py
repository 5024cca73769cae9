"""Support code for the notebooks. It holds no exercise: every function a
notebook asks students to write exists only in that notebook."""

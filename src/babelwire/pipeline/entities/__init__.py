"""entities stage: the people, places and organisations articles name, as tags."""

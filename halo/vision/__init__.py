"""What is on screen: scene cuts and keyframes."""
